"""The plain-language headline sentences at the top of a dashboard and a report.

Each sentence quotes a published figure as it is; a figure that is suppressed, or a table the
project does not publish, gives no sentence rather than an estimate. The wording describes
what young people reached, not deficits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hublink.coordinator.web.tables import CellView, TableView, format_count

__all__ = ["headline_sentences", "publication_line"]


def _first(views: list[TableView], kind: str) -> TableView | None:
    return next((view for view in views if view.kind == kind), None)


def _overall(view: TableView, measure: str) -> CellView | None:
    if measure not in view.measures:
        return None
    if measure in view.total:
        return view.total[measure]
    if not view.dimensions and view.rows:
        return view.rows[0][1][measure]
    return None


def _shown(cell: CellView | None) -> int | None:
    return None if cell is None or cell.value is None else int(cell.value)


def headline_sentences(views: list[TableView]) -> list[str]:
    """Given a project's table views, returns its headline sentences, most important first."""
    sentences: list[str] = []
    total = _first(views, "total")
    youth = _shown(_overall(total, "youth")) if total else None
    if youth is not None:
        sentences.append(f"{format_count(youth)} young people took part in at least one "
                         f"program.")
    counts = _first(views, "program_count")
    if counts is not None:
        by_value = {keys.get("programs"): cells.get("youth") for keys, cells in counts.rows}
        several = [_shown(by_value.get(value)) for value in ("2", "3+")]
        if all(number is not None for number in several):
            sentences.append(f"{format_count(sum(several))} of them took part in more than "
                             f"one program.")
    participations = _shown(_overall(total, "participations")) if total else None
    if participations is not None:
        sentences.append(f"Together they took part {format_count(participations)} times.")
    partners = _first(views, "by_partner")
    if partners is not None and partners.rows:
        sentences.append(f"{len(partners.rows)} partner organisations reached them.")
    missing = _first(views, "missing_by_group")
    not_yet = _shown(_overall(missing, "missing")) if missing else None
    if not_yet is not None:
        sentences.append(f"{format_count(not_yet)} more young people in the population are "
                         f"ready to be welcomed: no program has reached them yet.")
    return sentences


def publication_line(table: dict[str, Any]) -> str:
    """Given one published table, returns "Published 2 December 2026 from match run 7."."""
    published = table.get("published_at")
    when = ""
    if published:
        moment = datetime.fromisoformat(published)
        when = f" {moment.day} {moment:%B %Y}"
    return f"Published{when} from match run {table.get('run_id')}."
