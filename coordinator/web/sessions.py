"""Operator console sessions: an operator token exchanged for a session cookie.

The cookie holds 256 random bits; only their SHA-256 is stored (``console_sessions``). A session
lasts at most ``SESSION_LIFETIME``, ends after ``IDLE_TIMEOUT`` without a request, at logout, and
as soon as the token it was opened with is revoked or expires. Each session has its own CSRF
token, which every form posts back. Logins, refusals and logouts are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from hublink.coordinator.storage import Database, record_event
from hublink.coordinator.storage.models import ApiToken, ConsoleSession, utc_now
from hublink.coordinator.tokens import authenticate

__all__ = ["SESSION_COOKIE", "SESSION_LIFETIME", "IDLE_TIMEOUT", "ConsoleUser", "open_session",
           "find_session", "end_session", "csrf_matches"]

SESSION_COOKIE = "hublink_console"
SESSION_LIFETIME = timedelta(hours=8)
IDLE_TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class ConsoleUser:
    """The operator behind a live console session."""

    session_id: int
    token_id: int
    csrf_token: str
    expires_at: datetime

    @property
    def actor(self) -> str:
        """The name the audit log records for what this operator does in the console."""
        return f"operator:token-{self.token_id}"


def _hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def open_session(database: Database, token: str) -> tuple[ConsoleUser, str]:
    """Given an operator token, opens a session; returns its user and the cookie value.
    Raises Unauthorised or Forbidden (both audited) for any other token."""
    principal = authenticate(database, token.strip(), (), where="console login")
    session_key = secrets.token_urlsafe(32)
    now = utc_now()
    with database.session() as session:
        expires = _aware(session.get(ApiToken, principal.token_id).expires_at)
        row = ConsoleSession(session_hash=_hash(session_key), token_id=principal.token_id,
                             csrf_token=secrets.token_urlsafe(32), created_at=now,
                             expires_at=min(now + SESSION_LIFETIME, expires), last_seen_at=now)
        session.add(row)
        session.flush()
        user = ConsoleUser(row.id, row.token_id, row.csrf_token, row.expires_at)
    record_event(database, principal.actor, "console_login", session=user.session_id)
    return user, session_key


def find_session(database: Database, session_key: str | None) -> ConsoleUser | None:
    """Returns the live session of a cookie value (and marks it seen), or None when there is
    none, it ended, expired, sat idle too long, or its token was revoked or expired."""
    if not session_key:
        return None
    now = utc_now()
    with database.session() as session:
        found = session.execute(
            select(ConsoleSession, ApiToken)
            .join(ApiToken, ConsoleSession.token_id == ApiToken.id)
            .where(ConsoleSession.session_hash == _hash(session_key))).first()
        if found is None:
            return None
        row, token = found
        if (row.ended_at is not None or _aware(row.expires_at) <= now
                or _aware(row.last_seen_at) + IDLE_TIMEOUT <= now
                or token.revoked_at is not None or token.role != "operator"
                or token.expires_at is None or _aware(token.expires_at) <= now):
            if row.ended_at is None:
                row.ended_at = now
            return None
        row.last_seen_at = now
        return ConsoleUser(row.id, row.token_id, row.csrf_token, _aware(row.expires_at))


def end_session(database: Database, user: ConsoleUser) -> None:
    """Ends the session at once (logout); audited."""
    with database.session() as session:
        session.execute(update(ConsoleSession).where(ConsoleSession.id == user.session_id,
                                                     ConsoleSession.ended_at.is_(None))
                        .values(ended_at=utc_now()))
    record_event(database, user.actor, "console_logout", session=user.session_id)


def csrf_matches(expected: str, submitted: str | None) -> bool:
    """Whether a submitted CSRF token equals the expected one (constant-time comparison)."""
    return bool(submitted) and hmac.compare_digest(expected.encode(), submitted.encode())
