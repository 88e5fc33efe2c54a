"""Disclosure control of one publication: primary, differencing and complementary suppression,
checked by the LP audit.

1. Primary: every count from 1 to k-1 is suppressed (zeros are shown).
2. Differencing: a count shown in any of the project's earlier publications whose change since
   is from 1 to k-1 would single out that few youth: it is suppressed too (against every
   earlier one, since an attacker may difference with any publication, not only the last).
3. Complementary: while the audit finds a suppressed count whose interval is narrower than the
   protection width, the smallest shown count bound to it is suppressed as well (counts in the
   same relation first, totals last). Because quantities are shared, this works across every
   table of the publication at once.

When no count is left to suppress, ``Unprotectable`` says which count could not be protected;
nothing is published then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hublink.coordinator.outputs.lp_audit import Interval, IntervalAudit
from hublink.coordinator.outputs.relations import Relation
from hublink.coordinator.outputs.tables import Quantity
from hublink.shared.errors import HublinkError

__all__ = ["Unprotectable", "suppress_primary", "suppress_differences", "protect"]


class Unprotectable(HublinkError):
    """A suppressed count cannot be given its protection width: nothing is published."""

    code = "unprotectable"
    http_status = 409


def suppress_primary(quantities: Mapping[str, Quantity], k: int) -> int:
    """Marks every count from 1 to k-1 ``primary``; returns how many."""
    marked = 0
    for quantity in quantities.values():
        if 1 <= quantity.value < k and quantity.suppressed is None:
            quantity.suppressed = "primary"
            marked += 1
    return marked


def suppress_differences(quantities: Mapping[str, Quantity],
                         previous: Mapping[str, int] | Sequence[Mapping[str, int]],
                         k: int) -> int:
    """Given the counts shown by one earlier publication or by each of several, marks every
    shown count whose change since any of them is from 1 to k-1 ``differencing``; returns
    how many."""
    earlier = [previous] if isinstance(previous, Mapping) else list(previous)
    marked = 0
    for shown in earlier:
        for name, old in shown.items():
            quantity = quantities.get(name)
            if quantity is not None and quantity.suppressed is None \
                    and 1 <= abs(quantity.value - old) < k:
                quantity.suppressed = "differencing"
                marked += 1
    return marked


def _is_total(name: str) -> bool:
    return name.endswith("|total")


def _complement(name: str, quantities: Mapping[str, Quantity], relations: list[Relation],
                audit: IntervalAudit) -> str | None:
    def shown(candidate: str) -> bool:
        quantity = quantities.get(candidate)
        return quantity is not None and quantity.suppressed is None and quantity.value > 0

    def best(candidates: set[str]) -> str | None:
        chosen = sorted(candidates, key=lambda c: (_is_total(c), quantities[c].value, c))
        return chosen[0] if chosen else None

    direct = {other for relation in relations if any(n == name for n, _ in relation.terms)
              for other, _ in relation.terms if other != name and shown(other)}
    if direct - {n for n in direct if _is_total(n)}:
        return best(direct)
    bound = audit.component_of(name, quantities)
    near = {other for relation in relations if any(n in bound for n, _ in relation.terms)
            for other, _ in relation.terms if shown(other)}
    return best(direct | near)


def _pre_pass(quantities: Mapping[str, Quantity], relations: list[Relation], width: int) -> None:
    """Cheap first round for relations among shown counts only: no lone suppressed count in an
    equality, and suppressed rows of a shown total worth at least ``width`` together."""
    plain = [relation for relation in relations if relation.sense == "=="
             and all(name in quantities for name, _ in relation.terms)]
    changed = True
    while changed:
        changed = False
        for relation in plain:
            names = [name for name, _ in relation.terms]
            hidden = [name for name in names if quantities[name].suppressed is not None]
            if not hidden:
                continue
            shown = sorted((name for name in names if quantities[name].suppressed is None
                            and quantities[name].value > 0),
                           key=lambda name: (_is_total(name), quantities[name].value, name))
            negative = [name for name, weight in relation.terms if weight < 0]
            rows_sum = sum(quantities[name].value for name in hidden if name not in negative)
            while shown and (len(hidden) == 1 or (len(negative) == 1 and rows_sum < width
                                                  and quantities[negative[0]].suppressed is None)):
                candidate = shown.pop(0)
                quantities[candidate].suppressed = "complementary"
                hidden.append(candidate)
                rows_sum += 0 if candidate in negative else quantities[candidate].value
                changed = True


def protect(quantities: Mapping[str, Quantity], relations: list[Relation],
            width: int) -> dict[str, Interval]:
    """Suppresses complementary counts until every suppressed count's interval is at least
    ``width`` wide; returns the final intervals; raises Unprotectable."""
    _pre_pass(quantities, relations, width)
    audit = IntervalAudit(relations)
    while True:
        intervals = audit.audit(quantities)
        failing = sorted(name for name, interval in intervals.items() if interval.width < width)
        if not failing:
            return intervals
        touched: set[str] = set()
        for name in failing:
            if name in touched:
                continue
            candidate = _complement(name, quantities, relations, audit)
            if candidate is None:
                interval = intervals[name]
                raise Unprotectable(
                    f"count {name!r} cannot be protected: everything published pins it to "
                    f"[{interval.low:g}, {interval.high:g}], narrower than {width}, and no "
                    "shown count is left to suppress beside it")
            quantities[candidate].suppressed = "complementary"
            touched |= audit.component_of(candidate, quantities)
