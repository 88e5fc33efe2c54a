"""The records a match run works on, read with help from the previous run's state, and the
incremental path: re-link only the records the changes since that run touched.

A partner whose last committed sync is the one the state recorded has the same records as then:
its pseudonyms and CLKs come from the state, without reading or unsealing its encodings. The
others are read from the database and compared with the state record by record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.jobs.history import link_moves, record_moves
from hublink.coordinator.jobs.match_state import DIGEST_BYTES, MatchState, stored_digests
from hublink.coordinator.matching import MatchSettings, PartnerClks, assign_link_ids
from hublink.coordinator.matching.blocking import choose_strategy
from hublink.coordinator.matching.incremental import CandidateGraph, carry_over, match_changes
from hublink.coordinator.matching.records import ClkMatrix, dataset_of_rows
from hublink.coordinator.outputs.link_ids import PartThresholds, assign_partner_link_ids, parts_of_partners
from hublink.coordinator.storage.models import Encoding, Link
from hublink.coordinator.storage.sealed_records import open_clk
from hublink.coordinator.linkage_secret import last_committed_sync

__all__ = ["CurrentRecords", "Relinked", "changed_partners", "load_current", "relink_changes",
           "worth_relinking", "write_relinked"]

_BATCH = 500


@dataclass
class CurrentRecords:
    """Every partner's current records, packed as a run packs them, and how they map to the state.

    ``known[i]`` is record i's row in the state by key (-1: new); ``carried[i]`` the same, or -1
    when its CLK changed too. Both are all -1 without a state. ``digests`` are the stored CLKs'
    (``match_state.stored_digests``), in row order.
    """

    datasets: list[PartnerClks]
    pseudonyms: list[list[str]]
    sync_ids: list[str]
    known: np.ndarray
    carried: np.ndarray
    digests: np.ndarray

    def keys(self) -> list[tuple[int, str]]:
        """Returns (partner_id, pseudonym) of every record, in row order."""
        return [(dataset.partner_id, pseudonym) for dataset, names in zip(self.datasets, self.pseudonyms)
                for pseudonym in names]


def load_current(home: CoordinatorHome, session: Session, partner_ids: list[int],
                 state: MatchState | None) -> CurrentRecords:
    """Given the partners (by id) and the previous run's state if any, returns their current records.

    A changed partner's records whose stored CLK has the state's digest take the state's CLK;
    only the others are unsealed (a nightly sync changes a few of a partner's records)."""
    datasets, pseudonyms, sync_ids, known, carried, digests = [], [], [], [], [], []
    for partner_id in partner_ids:
        sync = last_committed_sync(session, partner_id)
        if sync is None:
            continue
        kept = state.partner_rows(partner_id) if state is not None else None
        if kept is not None and state.sync_ids[state.partner_index(partner_id)] == sync.id:
            names = [name.decode() for name in state.pseudonyms[kept].tolist()]
            clks = state.rows[kept].tobytes()
            same = np.arange(kept.start, kept.stop, dtype=np.int64)
            partner_known, partner_carried, partner_digests = same, same, state.digests[kept]
        else:
            rows = session.execute(select(Encoding.pseudonym, Encoding.clk)
                                   .where(Encoding.partner_id == partner_id)
                                   .order_by(Encoding.pseudonym)).all()
            names = [pseudonym for pseudonym, _ in rows]
            partner_digests = stored_digests([clk for _, clk in rows])
            partner_known = partner_carried = np.full(len(names), -1, dtype=np.int64)
            if kept is not None and names and sync.clk_bytes == state.rows.shape[1]:
                previous_names = state.pseudonyms[kept].tolist()
                index_of = dict(zip(previous_names, range(kept.start, kept.stop)))
                by_key = np.array([index_of.get(name.encode(), -1) for name in names], dtype=np.int64)
                unchanged = (by_key >= 0) & (state.digests[np.maximum(by_key, 0)] == partner_digests)
                clks = b"".join(state.rows[row].tobytes() if same else open_clk(home.sealer, partner_id, name, clk)
                                for row, same, (name, clk) in zip(by_key.tolist(), unchanged.tolist(), rows))
                partner_known, partner_carried = carry_over(
                    previous_names, state.rows[kept], [name.encode() for name in names],
                    np.frombuffer(clks, dtype=np.uint8).reshape(len(names), -1))
                partner_known = np.where(partner_known >= 0, partner_known + kept.start, -1)
                partner_carried = np.where(partner_carried >= 0, partner_carried + kept.start, -1)
            else:
                clks = b"".join(open_clk(home.sealer, partner_id, pseudonym, clk) for pseudonym, clk in rows)
        if not names:
            continue
        datasets.append(PartnerClks(partner_id=partner_id, clks=clks, clk_bytes=sync.clk_bytes))
        pseudonyms.append(names)
        sync_ids.append(sync.id)
        known.append(partner_known)
        carried.append(partner_carried)
        digests.append(partner_digests)
    empty = np.empty(0, dtype=np.int64)
    return CurrentRecords(datasets, pseudonyms, sync_ids, np.concatenate(known) if known else empty,
                          np.concatenate(carried) if carried else empty,
                          np.concatenate(digests) if digests else np.empty(0, dtype=f"S{DIGEST_BYTES}"))


def worth_relinking(state: MatchState | None, current: CurrentRecords, settings_text: str,
                    settings: MatchSettings) -> bool:
    """Returns whether an incremental run can give a full run's result here and costs less: same
    settings and blocking strategy as the state's run, and the changed records compared with
    every record make fewer comparisons than that full run made."""
    if state is None or state.settings != settings_text or not current.datasets:
        return False
    if len({dataset.clk_bytes for dataset in current.datasets} | {state.rows.shape[1]}) != 1:
        return False
    record_count = len(current.carried)
    if choose_strategy(record_count, settings.blocking) != choose_strategy(len(state.rows), settings.blocking):
        return False
    changed = int((current.carried < 0).sum())
    return changed * record_count <= max(state.comparisons, 1)


@dataclass
class Relinked:
    """An incremental run's outcome: every record's link ID, what moved, and the run's figures."""

    link_ids: list[str]
    partner_link_ids: list[str]
    changed_links: dict[tuple[int, str], tuple[str, str]]
    """Records whose hub-wide or partner link ID is new or different: (hub, partner) IDs to write."""
    deleted: list[tuple[int, str]]
    moves: list[tuple[str, str, str, int]]
    graph: CandidateGraph
    changed_records: int
    comparisons: int
    entity_count: int
    part_thresholds: PartThresholds
    """The thresholds the parts of the changed partners were made with."""


def changed_partners(state: MatchState, current: CurrentRecords) -> set[int]:
    """Returns the partners whose records (pseudonyms and CLKs) are not all as in the state."""
    changed, start = set(), 0
    for dataset in current.datasets:
        stop = start + dataset.record_count
        kept = state.partner_rows(dataset.partner_id)
        if kept is None or kept.stop - kept.start != stop - start or (current.carried[start:stop] < 0).any():
            changed.add(dataset.partner_id)
        start = stop
    return changed


def relink_changes(state: MatchState, current: CurrentRecords, matrix: ClkMatrix,
                   settings: MatchSettings, partner_settings: MatchSettings | None = None,
                   part_thresholds: PartThresholds | None = None) -> Relinked:
    """Given the previous run's state, the current records, their packed CLKs, the run's
    settings, the operator's (for partner parts, ``outputs.link_ids``) and the thresholds each
    partner's parts were made with in the state's run, re-links the records the changes touched;
    every other record keeps its link ID. Partner link IDs: a partner whose records are as in
    the state keeps its own; another's parts are made anew from its own records, as a full run
    makes them but with its carried thresholds (estimated afresh for a partner without)."""
    keys = current.keys()
    carried, known = current.carried, current.known
    changed = np.flatnonzero(carried < 0)
    result = match_changes(matrix, changed, state.graph, len(state.rows), carried, settings)
    offsets = matrix.offsets
    groups = [[keys[int(offsets[dataset]) + record] for dataset, record in group] for group in result.groups]
    state_link_ids = state.link_ids
    previous = {keys[row]: state_link_ids[known[row]].decode() for row in result.affected.tolist()
                if known[row] >= 0}
    assigned = assign_link_ids(groups, previous)
    partners_changed = changed_partners(state, current)
    parts, made_with = parts_of_partners(current.datasets, current.pseudonyms, partner_settings or settings,
                                         only=partners_changed, carried=part_thresholds)
    partner_of_row = np.array([dataset.partner_id for dataset in current.datasets])[dataset_of_rows(offsets)]
    of_changed = np.isin(partner_of_row, sorted(partners_changed))
    had_ids = np.flatnonzero(of_changed & (known >= 0))
    partner_assigned = assign_partner_link_ids(
        parts, dict(zip([keys[row] for row in had_ids.tolist()], _texts(state.partner_link_ids, known[had_ids]))))
    unaffected = np.ones(len(keys), dtype=bool)
    unaffected[result.affected] = False
    # the IDs every carried record had (a placeholder where a record was not carried)
    link_ids = _texts(state_link_ids, np.where(unaffected, carried, -1))
    for row in result.affected.tolist():
        link_ids[row] = assigned[keys[row]]
    partner_link_ids = _texts(state.partner_link_ids, np.where(of_changed, -1, carried))  # all carried over
    for row in np.flatnonzero(of_changed).tolist():
        partner_link_ids[row] = partner_assigned[keys[row]]
    touched = ~unaffected | of_changed
    changed_links = {}
    for row in np.flatnonzero(touched).tolist():
        before = int(known[row])
        if (before < 0 or state_link_ids[before].decode() != link_ids[row]
                or state.partner_link_ids[before].decode() != partner_link_ids[row]):
            changed_links[keys[row]] = (link_ids[row], partner_link_ids[row])
    still_here = np.zeros(len(state.rows), dtype=bool)
    still_here[known[known >= 0]] = True
    deleted = [(int(partner_id), name.decode()) for partner_id, name in
               zip(np.repeat(state.partner_ids, np.diff(state.offsets))[~still_here].tolist(),
                   state.pseudonyms[~still_here].tolist())]
    # A previous ID of these records was only ever held by these records, so "existed before"
    # is "held by one of them before", link_moves' default.
    moves = link_moves(previous, assigned.items())
    kept_entities = len(np.unique(state_link_ids[carried[unaffected]])) if unaffected.any() else 0
    return Relinked(link_ids=link_ids, partner_link_ids=partner_link_ids, changed_links=changed_links, deleted=deleted, moves=moves,
                    graph=result.graph, changed_records=len(changed) + len(deleted),
                    comparisons=result.comparisons, entity_count=kept_entities + len(groups),
                    part_thresholds=made_with)


def _texts(ids: np.ndarray, rows: np.ndarray) -> list[str]:
    """Returns ``ids`` (numpy ``S``) at ``rows`` as text, ``""`` where a row is -1."""
    present = rows >= 0
    if not present.any():
        return [""] * len(rows)
    taken = ids[np.where(present, rows, 0)]
    taken[~present] = b""
    return [text.decode() for text in taken.tolist()]  # whole arrays: far faster than row by row


def write_relinked(session: Session, run_id: int, relinked: Relinked) -> None:
    """Inside the caller's exclusive transaction: deletes the links of deleted records, writes the
    new and changed ones and the moves; leaves every other link as it is."""
    for start in range(0, len(relinked.deleted), _BATCH):
        part = relinked.deleted[start:start + _BATCH]
        session.execute(delete(Link).where(tuple_(Link.partner_id, Link.pseudonym).in_(part)))
    changed = list(relinked.changed_links.items())
    for start in range(0, len(changed), _BATCH):
        part = changed[start:start + _BATCH]
        session.execute(delete(Link).where(tuple_(Link.partner_id, Link.pseudonym).in_([key for key, _ in part])))
        session.execute(Link.__table__.insert(), [
            {"partner_id": partner_id, "pseudonym": pseudonym, "link_id": link_id,
             "partner_link_id": partner_link_id, "match_run_id": run_id}
            for (partner_id, pseudonym), (link_id, partner_link_id) in part])
    record_moves(session, run_id, relinked.moves)
