"""The linkage quality and equity report of the last match run (operator only; counts only).

Linkage error that falls unevenly biases every disparity the hub reports, so the report gives,
per group of each demographic attribute and per partner, how many records were linked to a
record of another partner (the match rate), the distribution of entity sizes, how many records
have a best-match pair near the run's threshold (from the run's review, ``matching.review``),
and a warning for every attribute whose groups' match rates differ by more than ``gap``
(groups of at least ``MIN_GROUP_RECORDS`` records). Never scores, records or identifiers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.outputs.entities import ProjectRecord
from hublink.coordinator.outputs.records import last_match_run, load_linked_records
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import MatchRun

__all__ = ["DEFAULT_GAP", "MIN_GROUP_RECORDS", "GROUP_ATTRIBUTES", "equity_report",
           "near_threshold", "quality_report"]

DEFAULT_GAP = 0.05
MIN_GROUP_RECORDS = 30
GROUP_ATTRIBUTES = ("race_ethnicity", "gender", "age_band")
_SIZES = ("1", "2", "3", "4", "5+")


def _rates(counts: dict[str, list[int]]) -> dict[str, dict[str, float | int]]:
    return {group: {"records": total, "linked": linked,
                    "match_rate": round(linked / total, 4) if total else 0.0}
            for group, (total, linked) in sorted(counts.items())}


def equity_report(records: Sequence[ProjectRecord], *, gap: float = DEFAULT_GAP,
                  attributes: Iterable[str] = GROUP_ATTRIBUTES) -> dict[str, Any]:
    """Given linked records, returns match rates by attribute group and partner, entity sizes
    and the warnings (see the module)."""
    partners_of: dict[str, set[str]] = defaultdict(set)
    sizes: Counter = Counter()
    for record in records:
        partners_of[record.link_id].add(record.partner)
        sizes[record.link_id] += 1
    by_attribute: dict[str, dict[str, list[int]]] = {name: defaultdict(lambda: [0, 0])
                                                      for name in attributes}
    by_partner: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        linked = int(len(partners_of[record.link_id]) > 1)
        for name, groups in by_attribute.items():
            counts = groups[record.attributes.get(name) or "unknown"]
            counts[0] += 1
            counts[1] += linked
        by_partner[record.partner][0] += 1
        by_partner[record.partner][1] += linked
    report = {"records": len(records), "entities": len(sizes),
              "entity_sizes": {size: 0 for size in _SIZES},
              "by_attribute": {name: _rates(groups) for name, groups in by_attribute.items()
                               if set(groups) != {"unknown"}},
              "by_partner": _rates(by_partner), "gap": gap, "warnings": []}
    for size, count in Counter(min(size, 5) for size in sizes.values()).items():
        report["entity_sizes"]["5+" if size == 5 else str(size)] = count
    for name, groups in report["by_attribute"].items():
        rates = {group: figures["match_rate"] for group, figures in groups.items()
                 if group != "unknown" and figures["records"] >= MIN_GROUP_RECORDS}
        if len(rates) >= 2 and max(rates.values()) - min(rates.values()) > gap:
            high, low = max(rates, key=rates.get), min(rates, key=rates.get)
            report["warnings"].append(
                f"{name}: the match rate of {low!r} ({rates[low]:.1%}) is "
                f"{rates[high] - rates[low]:.1%} below that of {high!r} ({rates[high]:.1%}); "
                "disparities by this attribute may be biased by linkage error")
    return report


def near_threshold(review: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Given a match run's stored review (``matching.review``), returns per stage how many
    records have a best-match pair within ``near`` of its threshold (counts only), or None for
    a run without a review."""
    if not review:
        return None
    return {"near": review.get("near"),
            "stages": {stage["stage"]: stage["records_near_threshold"]
                       for stage in review.get("stages", [])}}


def quality_report(home: CoordinatorHome, gap: float = DEFAULT_GAP,
                   actor: str = "operator") -> dict[str, Any]:
    """Returns the equity report of every linked record of the last match run, with the run's
    records near the threshold (audited)."""
    run_id = last_match_run(home)
    records = load_linked_records(home, GROUP_ATTRIBUTES, enrollments=False)
    review = None
    if run_id is not None:
        with home.database.session() as session:
            review = session.get(MatchRun, run_id).review
    report = {"run_id": run_id, **equity_report(records, gap=gap),
              "records_near_threshold": near_threshold(review)}
    record_event(home.database, actor, "quality_report", run_id=run_id,
                 warnings=len(report["warnings"]))
    return report
