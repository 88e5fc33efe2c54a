"""What a successful match run leaves for the next one, so that it can re-link only what changed.

Files in the home folder's ``match-state/``, each sealed like the CLKs in the database (AES-GCM
under the data key, bound to what it holds):

- ``run-<id>.sealed``: the run's candidate graph (``matching.incremental``: pairs with their
  similarities), every record's hub-wide and partner link ID, each partner's sync and the
  settings of the run;
- ``records-<partner>-<sync>.sealed``, one per partner: the keys, CLKs and stored digests
  (:func:`stored_digests`) of the partner's records at that committed sync. A sync's records
  never change, so the file is written once and every later run that finds the partner at that
  sync reuses it: a nightly sync of one partner reseals that partner's records, not the city's.

They hold CLKs and similarities; they never leave the coordinator and nothing reads them but the
next run. A state is used only while its run is the last that wrote the links and the data key
that sealed its files is still in the keyring (``rotate-data-key`` retires old keys: the next run
is then a full one, which writes a new state). Losing or damaging a file costs one full run,
nothing else.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.matching import MatchSettings
from hublink.coordinator.matching.incremental import CandidateGraph
from hublink.coordinator.matching.solve import GROUP_MERGE_THRESHOLD
from hublink.coordinator.storage.sealing import SealingError

__all__ = ["DIGEST_BYTES", "MatchState", "forget_partners", "load_state", "save_state", "settings_key",
           "stored_digests"]

_FOLDER = "match-state"

DIGEST_BYTES = 16
"""BLAKE2b digest size of a stored (sealed) CLK: a record whose stored bytes have the state's
digest has the state's CLK, so the next run need not unseal it."""


def settings_key(settings: MatchSettings) -> str:
    """Returns the settings, and the solver's fixed share for merging groups, as canonical JSON:
    an incremental run needs the previous run's."""
    return json.dumps({**asdict(settings), "group_merge_threshold": GROUP_MERGE_THRESHOLD}, sort_keys=True)


def stored_digests(stored: Sequence[bytes]) -> np.ndarray:
    """Returns the digest (numpy ``S16``) of each stored, sealed CLK, in order.

    Equal stored bytes open to equal CLKs under the same data key, so equal digests mean an
    unchanged record; a record sealed again (``rotate-data-key``) merely gets unsealed and compared.
    """
    return np.array([hashlib.blake2b(value, digest_size=DIGEST_BYTES).digest() for value in stored],
                    dtype=f"S{DIGEST_BYTES}")


@dataclass(frozen=True)
class MatchState:
    """The records of one run in the order the run packed them (partners by id, pseudonyms sorted).

    Partner ``partner_ids[d]`` holds rows ``offsets[d]:offsets[d + 1]`` and had committed sync
    ``sync_ids[d]``. ``comparisons`` is what the last full run compared: an incremental run that
    would compare more is not worth it.
    """

    run_id: int
    settings: str
    partner_ids: np.ndarray
    sync_ids: list[str]
    offsets: np.ndarray
    pseudonyms: np.ndarray
    """``bytes`` (numpy ``S``) per record."""
    rows: np.ndarray
    digests: np.ndarray
    """The digest of each record's stored CLK (:func:`stored_digests`)."""
    graph: CandidateGraph
    link_ids: np.ndarray
    """``bytes`` (numpy ``S36``) per record."""
    partner_link_ids: np.ndarray
    """The same for the partner-scoped link IDs (``outputs.link_ids``)."""
    comparisons: int

    def partner_index(self, partner_id: int) -> int | None:
        """Returns the partner's position among the state's partners, or None when it had no records."""
        found = np.flatnonzero(self.partner_ids == partner_id)
        return int(found[0]) if len(found) else None

    def partner_rows(self, partner_id: int) -> slice | None:
        """Returns the partner's rows, or None when the run had none of its records."""
        index = self.partner_index(partner_id)
        if index is None:
            return None
        return slice(int(self.offsets[index]), int(self.offsets[index + 1]))


def _folder(home: CoordinatorHome) -> Path:
    return home.path / _FOLDER


def _run_path(home: CoordinatorHome, run_id: int) -> Path:
    return _folder(home) / f"run-{run_id}.sealed"


def _records_path(home: CoordinatorHome, partner_id: int, sync_id: str) -> Path:
    # the sync id is the coordinator's own UUID; hashed all the same, so no name can leave the folder
    name = hashlib.blake2b(sync_id.encode(), digest_size=16).hexdigest()
    return _folder(home) / f"records-{partner_id}-{name}.sealed"


def _run_context(run_id: int) -> bytes:
    return f"match-state:{run_id}".encode()


def _records_context(partner_id: int, sync_id: str) -> bytes:
    return f"match-state-records:{partner_id}:{sync_id}".encode()


def _write_sealed(home: CoordinatorHome, path: Path, context: bytes, **arrays: np.ndarray) -> None:
    """Writes the arrays as one sealed file, atomically, readable by the coordinator's user only."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    partial = path.with_name(path.name + ".partial")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(home.sealer.seal(buffer.getvalue(), context))
    os.replace(partial, path)


def _read_sealed(home: CoordinatorHome, path: Path, context: bytes) -> dict[str, np.ndarray]:
    """Returns the arrays of a sealed file; raises SealingError, OSError or ValueError when it
    cannot be opened."""
    stored = path.read_bytes()
    if not home.sealer.is_sealed(stored):
        raise SealingError("a match-state file is not sealed")
    with np.load(io.BytesIO(home.sealer.open(stored, context)), allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def save_state(home: CoordinatorHome, state: MatchState, previous: MatchState | None = None) -> None:
    """Writes the state sealed and removes what earlier runs left.

    A partner at the sync it had in ``previous`` (the state this run loaded, whose files it
    opened) keeps that file; the others' records are written anew. The run's own file is written
    last, so a state on disk never names records that are not.
    """
    folder = _folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    reused = (set(zip(previous.partner_ids.tolist(), previous.sync_ids)) if previous is not None else set())
    keep = {_run_path(home, state.run_id)}
    for index, (partner_id, sync_id) in enumerate(zip(state.partner_ids.tolist(), state.sync_ids)):
        path = _records_path(home, partner_id, sync_id)
        keep.add(path)
        if (partner_id, sync_id) in reused and path.exists():
            continue
        rows = slice(int(state.offsets[index]), int(state.offsets[index + 1]))
        _write_sealed(home, path, _records_context(partner_id, sync_id), pseudonyms=state.pseudonyms[rows],
                      rows=state.rows[rows], digests=state.digests[rows])
    header = json.dumps({"run_id": state.run_id, "settings": state.settings, "sync_ids": state.sync_ids,
                         "comparisons": state.comparisons, "clk_bytes": int(state.rows.shape[1])})
    _write_sealed(home, _run_path(home, state.run_id), _run_context(state.run_id),
                  header=np.frombuffer(header.encode(), dtype=np.uint8), partner_ids=state.partner_ids,
                  offsets=state.offsets, pair_lower=state.graph.lower, pair_higher=state.graph.higher,
                  pair_similarities=state.graph.similarities, link_ids=state.link_ids,
                  partner_link_ids=state.partner_link_ids)
    for other in folder.iterdir():
        if other not in keep:
            other.unlink(missing_ok=True)


def forget_partners(home: CoordinatorHome, partner_ids: Sequence[int]) -> None:
    """Deletes every kept record of these partners (a purge, or encodings deleted after a run)
    and the runs' files, which hold their link IDs and similarities: the next run is a full one."""
    folder = _folder(home)
    if not partner_ids or not folder.exists():
        return
    prefixes = ("run-", *(f"records-{int(partner_id)}-" for partner_id in partner_ids))
    for path in folder.iterdir():
        if path.name.startswith(prefixes):
            path.unlink(missing_ok=True)


def load_state(home: CoordinatorHome, run_id: int | None) -> MatchState | None:
    """Returns the state run ``run_id`` left, or None when there is none or a file of it cannot be
    opened (its data key was retired, or it is damaged or missing): the caller then matches in full."""
    if run_id is None or not _run_path(home, run_id).exists():
        return None
    try:
        run = _read_sealed(home, _run_path(home, run_id), _run_context(run_id))
        header = json.loads(run["header"].tobytes())
        sync_ids = list(header["sync_ids"])
        partner_ids, offsets = run["partner_ids"], run["offsets"]
        parts = [_read_sealed(home, _records_path(home, int(partner_id), sync_id),
                              _records_context(int(partner_id), sync_id))
                 for partner_id, sync_id in zip(partner_ids.tolist(), sync_ids)]
        if [len(part["rows"]) for part in parts] != np.diff(offsets).tolist():
            return None

        def joined(name: str, empty: np.ndarray) -> np.ndarray:
            return np.concatenate([part[name] for part in parts]) if parts else empty

        return MatchState(run_id=header["run_id"], settings=header["settings"], partner_ids=partner_ids,
                          sync_ids=sync_ids, offsets=offsets,
                          pseudonyms=joined("pseudonyms", np.empty(0, dtype="S1")),
                          rows=joined("rows", np.empty((0, int(header["clk_bytes"])), dtype=np.uint8)),
                          digests=joined("digests", np.empty(0, dtype=f"S{DIGEST_BYTES}")),
                          graph=CandidateGraph(run["pair_lower"], run["pair_higher"], run["pair_similarities"]),
                          link_ids=run["link_ids"], partner_link_ids=run["partner_link_ids"],
                          comparisons=int(header["comparisons"]))
    except (SealingError, OSError, ValueError, KeyError):
        return None
