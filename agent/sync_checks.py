"""Checks a sync makes before anything leaves: the coordinator's own rules, applied here first.

The PII firewall (``shared/pii_firewall.py``) and the hub's attribute declarations judge a
sync as a whole at its commit; applying them to the whole sync here first lets a partner learn
of a refused or identifying attribute before any chunk is sent. Problems name the attribute
and the rule, never a value.
"""

from __future__ import annotations

from typing import Any

from hublink.agent.config import AgentConfig
from hublink.agent.deidentify import attribute_specs, enrollment_specs
from hublink.agent.prepare import PreparedSource
from hublink.shared.attribute_types import parse_declarations, undeclared_problems, value_problems
from hublink.shared.errors import SourceError
from hublink.shared.pii_firewall import firewall_problems

__all__ = ["check_attributes", "check_firewall", "sync_columns"]


def sync_columns(prepared: PreparedSource, enrollment_prefix: str = "enrollments."
                  ) -> dict[str, list[str | None]]:
    """Returns every value column of the whole sync: the attributes, and each enrollment
    attribute (named with ``enrollment_prefix``) over every enrollment."""
    columns = dict(prepared.attributes)
    for index, name in enumerate(prepared.enrollment_names):
        columns[f"{enrollment_prefix}{name}"] = [
            enrollment[index] for enrollments in prepared.enrollment_lists
            for enrollment in enrollments]
    return columns


def check_firewall(config: AgentConfig, prepared: PreparedSource) -> None:
    """Applies the coordinator's PII firewall here first, to the whole sync as the commit
    judges it, so a partner learns of an identifying attribute before anything leaves, and
    checks that an attribute read from an identifier column sends only its declared coarse
    categories; raises SourceError."""
    problems = _identifier_attribute_problems(config, prepared)
    problems += firewall_problems(sync_columns(prepared))
    if problems:
        raise SourceError("attributes would be refused as identifying: change the "
                          "[attributes] configuration (a transform or another column)",
                          details=problems)


def check_attributes(attributes: dict[str, list[str | None]],
                     declared: dict[str, Any] | None = None) -> None:
    """Applies the coordinator's rules here first, to the whole sync as it will be judged at
    its commit, so a partner learns of a refused attribute before anything leaves: without
    ``declared``, the PII firewall; with the hub's declarations (``GET /api/v1/attributes``),
    the allow-list of attribute names and value types. Raises SourceError listing every
    problem (attribute and rule, never a value)."""
    if declared is None:
        problems, refusal = firewall_problems(attributes), "as identifying"
    else:
        declarations, _ = parse_declarations(declared.get("attributes", {}))
        problems = undeclared_problems(list(attributes), declarations) \
            + value_problems(declarations, attributes)
        refusal = "by the hub's attribute declarations (or ask the hub operator to declare them)"
    if problems:
        raise SourceError(f"attributes would be refused {refusal}: change the [attributes] "
                          "configuration (a transform, a map or another column)",
                          details=problems)


def _identifier_attribute_problems(config: AgentConfig, prepared: PreparedSource) -> list[str]:
    """Returns a problem line for each attribute read from an identifier column (the sex
    column, through a gender map) whose values are not all its declared categories."""
    problems = []
    specs = {**attribute_specs(config), **enrollment_specs(config)}
    for name, spec in specs.items():
        if not spec.reads_identifier:
            continue
        allowed = {*spec.mapping.values(), spec.unmapped, spec.missing, None}
        values = (prepared.attributes[name] if name in prepared.attributes else
                  [enrollment[prepared.enrollment_names.index(name)]
                   for enrollments in prepared.enrollment_lists for enrollment in enrollments])
        if not set(values) <= allowed:
            problems.append(f"attribute {name!r} reads an identifier column and may send only "
                            "its declared categories: " + ", ".join(sorted(allowed - {None})))
    return problems
