"""Link-ID history: which records moved between entities in each run, for analysts who follow
youth over years.

A record that had hub-wide link ID ``A`` and now has ``B`` moved from entity A to entity B. The
moves of one run are counted per (A, B): *merged* when B existed before the run (A's records
joined it, and A is gone unless some of its records stayed), *split* when B is new (records left
A for an entity of their own). New records, deleted records and unchanged entities are not
events. Rows carry hub-wide link IDs, the run, its time and counts; never a record or a score.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Hashable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import LinkHistory, MatchRun, utc_now
from hublink.shared.spreadsheet import safe_row

__all__ = ["HISTORY_COLUMNS", "export_link_history", "link_moves", "record_moves"]

HISTORY_COLUMNS = ["match_run", "at", "kind", "from_link_id", "to_link_id", "records"]


def link_moves(previous: Mapping[Hashable, str], assigned: Iterable[tuple[Hashable, str]],
               previous_ids: set[str] | None = None) -> list[tuple[str, str, str, int]]:
    """Given each record's link ID before the run, (record, link ID) after it and optionally every
    link ID in use before the run (default: those of ``previous``), returns (kind, from, to,
    records) for each pair of entities that records moved between, sorted."""
    moved = Counter((previous[record], link_id) for record, link_id in assigned
                    if record in previous and previous[record] != link_id)
    existed = set(previous.values()) if previous_ids is None else previous_ids
    return sorted(("merged" if to_id in existed else "split", from_id, to_id, count)
                  for (from_id, to_id), count in moved.items())


def record_moves(session: Session, run_id: int, moves: list[tuple[str, str, str, int]]) -> None:
    """Adds the moves of run ``run_id`` to the history, inside the caller's transaction."""
    at = utc_now()
    if moves:
        session.execute(LinkHistory.__table__.insert(),
                        [{"match_run_id": run_id, "at": at, "kind": kind, "from_link_id": from_id,
                          "to_link_id": to_id, "records": records}
                         for kind, from_id, to_id, records in moves])


def export_link_history(home: CoordinatorHome, out: Path, actor: str = "operator") -> int:
    """Writes the whole history as CSV (``HISTORY_COLUMNS``, oldest first, hub-wide link IDs, the
    IDs of the analyst export); returns the row count."""
    with home.database.session() as session:
        rows = [[run_id, at.isoformat(), kind, from_id, to_id, records]
                for run_id, at, kind, from_id, to_id, records in session.execute(
                    select(LinkHistory.match_run_id, LinkHistory.at, LinkHistory.kind,
                           LinkHistory.from_link_id, LinkHistory.to_link_id, LinkHistory.records)
                    .join(MatchRun, MatchRun.id == LinkHistory.match_run_id)
                    .order_by(LinkHistory.id))]
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".partial")
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HISTORY_COLUMNS)
        writer.writerows(safe_row(row) for row in rows)
    os.replace(temporary, out)
    record_event(home.database, actor, "link_history_export", rows=len(rows))
    return len(rows)
