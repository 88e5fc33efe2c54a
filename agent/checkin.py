"""The check-in of every ``sync``: does the coordinator hold what this agent last committed?

Before reading the source, ``sync`` fetches the coordinator's view of this partner (last
committed sync, record count, pseudonym digest: ``shared.partner_view``) and compares it with
the local state. A revoked token or an unreachable coordinator thus fails every nightly sync,
even one with nothing to send. When the views differ (the coordinator was restored from an
older backup, records were purged, the agent's state folder was lost or restored), the agent
repairs the coordinator's copy with a full resend and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from hublink.agent.state import SyncState, now
from hublink.shared.partner_view import PartnerView

__all__ = ["CheckIn", "compare_view"]


@dataclass(frozen=True)
class CheckIn:
    """A check-in's outcome: ``difference`` says in words how the coordinator's copy differs
    from this agent's state (None when it holds exactly what the agent last committed)."""

    view: PartnerView
    difference: str | None
    at: str

    def record(self, state: SyncState, outcome: str) -> None:
        """Keeps this check-in in the state for ``status``: ``outcome`` is matched, repaired
        or confirmed (an interrupted sync's commit had landed)."""
        state.record_checkin({"at": self.at, "records": self.view.record_count,
                              "last_sync_id": self.view.last_sync_id,
                              "last_sync_at": self.view.last_sync_at, "outcome": outcome,
                              "difference": self.difference})


def _short(sync_id: str | None) -> str:
    return sync_id[:8] if sync_id else "none"


def _sync_phrase(sync_id: str | None, committed_at: str | None) -> str:
    if sync_id is None:
        return "no committed sync"
    return f"sync {_short(sync_id)}" + (f" of {committed_at}" if committed_at else "")


def compare_view(view: PartnerView, state: SyncState) -> CheckIn:
    """Given the coordinator's view and the local state, returns the check-in: matched when
    the coordinator's last committed sync, record count and pseudonym digest are the agent's."""
    at = now()
    if state.last_sync_id is None:
        if view.record_count == 0:
            return CheckIn(view, None, at)
        return CheckIn(view, f"the coordinator holds {view.record_count} records of this "
                             f"partner ({_sync_phrase(view.last_sync_id, view.last_sync_at)}) "
                             "that this agent has no state of (a new install or a lost state "
                             "folder)", at)
    held = state.sent_count()
    if view.last_sync_id != state.last_sync_id:
        return CheckIn(view, f"the coordinator's copy is from "
                             f"{_sync_phrase(view.last_sync_id, view.last_sync_at)} with "
                             f"{view.record_count} records, this agent last committed sync "
                             f"{_short(state.last_sync_id)} with {held} (a coordinator "
                             "restored from a backup, or this agent's state folder restored)",
                       at)
    if view.record_count != held or view.pseudonym_digest != state.pseudonym_digest():
        return CheckIn(view, f"the coordinator holds {view.record_count} records of this "
                             f"partner's last sync {_short(view.last_sync_id)}, this agent "
                             f"sent {held}, or other ones (records purged or altered on the "
                             "coordinator)", at)
    return CheckIn(view, None, at)
