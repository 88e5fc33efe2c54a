"""What the operator console shows: partners' staleness, runs with progress, the audit log page.

Counts, times, statuses and audit entries only; the audit log holds no identifiers, encodings
or scores, so showing it whole is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.status import hub_status
from hublink.coordinator.storage.models import AuditEvent

__all__ = ["STALE_AFTER", "AUDIT_PAGE_SIZE", "AuditQuery", "AuditPage", "partner_rows",
           "audit_page", "audit_actions", "age_text"]

# Agents sync nightly by default (deploy/agent's timer): two missed nights make a partner stale.
STALE_AFTER = timedelta(hours=48)
AUDIT_PAGE_SIZE = 50


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def age_text(moment: datetime, now: datetime) -> str:
    """Returns how long ago ``moment`` was, in words: "5 minutes ago", "3 days ago"."""
    seconds = max(0, int((now - _aware(moment)).total_seconds()))
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def partner_rows(home: CoordinatorHome, now: datetime | None = None) -> list[dict[str, Any]]:
    """Returns each partner with its last sync, records, age and whether it is stale."""
    now = now or datetime.now(timezone.utc)
    rows = []
    for partner in hub_status(home)["partners"]:
        last = datetime.fromisoformat(partner["last_sync"]) if partner["last_sync"] else None
        rows.append({"name": partner["name"], "records": partner["records"], "last_sync": last,
                     "age": age_text(last, now) if last else "never synced",
                     "stale": last is None or now - _aware(last) > STALE_AFTER})
    return rows


@dataclass(frozen=True)
class AuditQuery:
    """The console's audit filters: actor contains, exact action, dates (inclusive), page."""

    actor: str = ""
    action: str = ""
    since: str = ""
    until: str = ""
    page: int = 1

    @classmethod
    def from_arguments(cls, arguments: Any) -> "AuditQuery":
        """Given request arguments, returns the query; bad dates and pages are dropped."""
        def day(name: str) -> str:
            text = arguments.get(name, "").strip()
            try:
                datetime.strptime(text, "%Y-%m-%d")
            except ValueError:
                return ""
            return text

        try:
            page = max(1, int(arguments.get("page", "1")))
        except ValueError:
            page = 1
        return cls(arguments.get("actor", "").strip()[:120], arguments.get("action", "").strip()[:40],
                   day("since"), day("until"), page)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEvent]
    total: int
    page: int
    pages: int


def audit_page(home: CoordinatorHome, query: AuditQuery) -> AuditPage:
    """Returns one page of audit entries matching ``query``, newest first."""
    conditions = []
    if query.actor:
        conditions.append(AuditEvent.actor.contains(query.actor, autoescape=True))
    if query.action:
        conditions.append(AuditEvent.action == query.action)
    if query.since:
        conditions.append(AuditEvent.at >= datetime.fromisoformat(query.since).replace(tzinfo=timezone.utc))
    if query.until:
        end = datetime.fromisoformat(query.until).replace(tzinfo=timezone.utc) + timedelta(days=1)
        conditions.append(AuditEvent.at < end)
    with home.database.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
        pages = max(1, -(-total // AUDIT_PAGE_SIZE))
        page = min(query.page, pages)
        entries = list(session.scalars(select(AuditEvent).where(*conditions)
                                       .order_by(AuditEvent.id.desc())
                                       .offset((page - 1) * AUDIT_PAGE_SIZE).limit(AUDIT_PAGE_SIZE)))
    return AuditPage(entries, total, page, pages)


def audit_actions(home: CoordinatorHome) -> list[str]:
    """Returns every action the audit log holds, for the filter's choices."""
    with home.database.session() as session:
        return sorted(session.scalars(select(AuditEvent.action).distinct()))
