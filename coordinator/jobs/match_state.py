"""What a successful match run leaves for the next one, so that it can re-link only what changed.

One file in the home folder, ``match-state/run-<id>.sealed``: every record's key, CLK and hub-wide
link ID, the run's candidate graph (``matching.incremental``: pairs with their similarities), each
partner's sync and the settings of the run. It holds CLKs and similarities, so it is sealed like
the CLKs in the database (AES-GCM under the data key, bound to the run); it never leaves the
coordinator and nothing reads it but the next run. A state is used only while its
run is the last that wrote the links and the data key that sealed it is still in the keyring
(``rotate-data-key`` retires old keys: the next run is then a full one, which writes a new state).
Losing the file costs one full run, nothing else.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.matching import MatchSettings
from hublink.coordinator.matching.incremental import CandidateGraph
from hublink.coordinator.storage.sealing import SealingError

__all__ = ["MatchState", "load_state", "save_state", "settings_key"]

_FOLDER = "match-state"


def settings_key(settings: MatchSettings) -> str:
    """Returns the settings as canonical JSON: an incremental run needs the previous run's."""
    return json.dumps(asdict(settings), sort_keys=True)


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
    graph: CandidateGraph
    link_ids: np.ndarray
    """``bytes`` (numpy ``S36``) per record."""
    partner_link_ids: np.ndarray
    """The same for the partner-scoped link IDs (``outputs.link_ids``)."""
    comparisons: int

    def partner_rows(self, partner_id: int) -> slice | None:
        """Returns the partner's rows, or None when the run had none of its records."""
        found = np.flatnonzero(self.partner_ids == partner_id)
        if not len(found):
            return None
        return slice(int(self.offsets[found[0]]), int(self.offsets[found[0] + 1]))


def _path(home: CoordinatorHome, run_id: int) -> Path:
    return home.path / _FOLDER / f"run-{run_id}.sealed"


def _context(run_id: int) -> bytes:
    return f"match-state:{run_id}".encode()


def save_state(home: CoordinatorHome, state: MatchState) -> None:
    """Writes the state sealed, atomically, and removes the states of earlier runs."""
    buffer = io.BytesIO()
    header = json.dumps({"run_id": state.run_id, "settings": state.settings, "sync_ids": state.sync_ids,
                         "comparisons": state.comparisons})
    np.savez(buffer, header=np.frombuffer(header.encode(), dtype=np.uint8), partner_ids=state.partner_ids,
             offsets=state.offsets, pseudonyms=state.pseudonyms, rows=state.rows,
             pair_lower=state.graph.lower, pair_higher=state.graph.higher,
             pair_similarities=state.graph.similarities, link_ids=state.link_ids,
             partner_link_ids=state.partner_link_ids)
    folder = home.path / _FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = _path(home, state.run_id)
    partial = path.with_name(path.name + ".partial")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(home.sealer.seal(buffer.getvalue(), _context(state.run_id)))
    os.replace(partial, path)
    for other in folder.glob("run-*.sealed*"):
        if other != path:
            other.unlink(missing_ok=True)


def load_state(home: CoordinatorHome, run_id: int | None) -> MatchState | None:
    """Returns the state run ``run_id`` left, or None when there is none or it cannot be opened
    (its data key was retired, or the file is damaged): the caller then matches in full."""
    if run_id is None or not _path(home, run_id).exists():
        return None
    try:
        stored = _path(home, run_id).read_bytes()
        if not home.sealer.is_sealed(stored):
            return None
        plain = home.sealer.open(stored, _context(run_id))
        with np.load(io.BytesIO(plain), allow_pickle=False) as arrays:
            header = json.loads(arrays["header"].tobytes())
            return MatchState(run_id=header["run_id"], settings=header["settings"],
                              partner_ids=arrays["partner_ids"], sync_ids=list(header["sync_ids"]),
                              offsets=arrays["offsets"], pseudonyms=arrays["pseudonyms"], rows=arrays["rows"],
                              graph=CandidateGraph(arrays["pair_lower"], arrays["pair_higher"],
                                                   arrays["pair_similarities"]),
                              link_ids=arrays["link_ids"], partner_link_ids=arrays["partner_link_ids"],
                              comparisons=int(header["comparisons"]))
    except (SealingError, OSError, ValueError, KeyError):
        return None
