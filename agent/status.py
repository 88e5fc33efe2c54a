"""``status``: the last sync's time, counts and outcome, and the last check-in, from the local
state. An interrupted sync is reported only while no later attempt succeeded."""

from __future__ import annotations

from hublink.agent.config import AgentConfig
from hublink.agent.state import HistoryEntry, SyncState

__all__ = ["describe_status"]


def _entry_line(label: str, entry: HistoryEntry) -> str:
    line = f"{label}: {entry.outcome} at {entry.finished_at}"
    if entry.outcome == "failed":
        return line + f" ({entry.message})"
    if entry.outcome == "unchanged":
        return line + f"; {entry.records} records, nothing to send"
    line += (f"; {entry.mode} sync of {entry.records} records: {entry.added} added, "
             f"{entry.changed} changed, {entry.deleted} deleted")
    return line + (f"; {entry.message}" if entry.message else "")


def _checkin_line(checkin: dict) -> str:
    line = (f"last check-in: {checkin['at']}, the coordinator held {checkin['records']} "
            f"records of this partner")
    if checkin["outcome"] == "repaired":
        return line + f"; it differed ({checkin['difference']}) and was repaired"
    if checkin["outcome"] == "confirmed":
        return line + "; the interrupted sync's commit had landed"
    return line + ", as this agent expected"


def describe_status(config: AgentConfig) -> list[str]:
    """Returns lines describing the last sync attempt and, if it failed, the last success."""
    if not (config.state_dir / "state.sqlite").exists():
        return ["no sync has run yet"]
    with SyncState(config.state_dir) as state:
        last, success = state.last_history(), state.last_success()
        held = state.sent_count()
        pending = state.pending()
        checkin = state.last_checkin
    if last is None:
        return ["no sync has run yet"]
    lines = [_entry_line("last sync", last)]
    if last.outcome == "failed" and success is not None:
        lines.append(_entry_line("last successful sync", success))
    if last.problems:
        lines.append("record-level problems: "
                     + ", ".join(f"{kind}: {count}" for kind, count in last.problems.items()))
    if checkin is not None:
        lines.append(_checkin_line(checkin))
    lines.append(f"the coordinator holds {held} records of this partner, as of the last "
                 "successful sync")
    if pending is not None and last.outcome == "failed":
        lines.append("a sync was interrupted; the next `sync` resumes it")
    return lines
