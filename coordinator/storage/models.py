"""Database tables of the coordinator (SQLAlchemy 2 declarative)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary,
                        MetaData, String, Text, false)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "Project", "Partner", "ApiToken", "Sync", "SyncChunk", "Encoding",
           "RecordAttributes", "MatchRun", "Link", "LinkHistory", "AuditEvent", "SharingProject",
           "Publication", "ConsoleSession", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    # Named constraints let Alembic's SQLite batch mode drop or alter them in later migrations.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class Project(Base):
    """The one linkage project this coordinator serves."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_scope: Mapped[str] = mapped_column(String(16))
    schema_id: Mapped[str | None] = mapped_column(String(40))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Announced by the operator during a key rotation; becomes ``fingerprint`` once every
    # partner has synced under it.
    next_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Partner(Base):
    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # Set by `partner disable`: every token of the partner is refused while it is set.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token of one role (partner tokens: of one partner), stored only as its SHA-256."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Nullable only for rows made before tokens expired; 0003 gives those an expiry date.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    label: Mapped[str | None] = mapped_column(String(120))
    # Analyst tokens are issued for one data-sharing project (0005).
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Sync(Base):
    """One sync of a partner's records: open while chunks arrive, committed all at once."""

    __tablename__ = "syncs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    base_sync_id: Mapped[str | None] = mapped_column(String(36))
    schema_id: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    clk_bytes: Mapped[int] = mapped_column(Integer)
    attribute_names: Mapped[list] = mapped_column(JSON)
    # Null for syncs committed before enrollments existed: they had none.
    enrollment_names: Mapped[list | None] = mapped_column(JSON)
    agent_version: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    # When the last chunk arrived (or the sync opened): an open sync idle too long is collected.
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bytes_received: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SyncChunk(Base):
    """A chunk received for an open sync; its content waits in the spool until the commit."""

    __tablename__ = "sync_chunks"
    sync_id: Mapped[str] = mapped_column(ForeignKey("syncs.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    upserts: Mapped[int] = mapped_column(Integer)
    deletes: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Encoding(Base):
    """A current record's CLK. Kept apart from its attributes: no single query role needs both."""

    __tablename__ = "encodings"
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    clk: Mapped[bytes] = mapped_column(LargeBinary)


class RecordAttributes(Base):
    """A current record's de-identified attributes and enrollments (each sealed; null
    enrollments: the record has none)."""

    __tablename__ = "record_attributes"
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    attributes: Mapped[dict] = mapped_column(JSON)
    enrollments: Mapped[dict | None] = mapped_column(JSON)


class MatchRun(Base):
    """A match job: ``queued`` -> ``running`` -> ``succeeded``, ``failed`` or ``cancelled``.

    A running run belongs to ``worker`` until ``lease_expires_at``; the worker renews the lease
    (and writes its progress) while it works, so an expired lease means the worker died.
    """

    __tablename__ = "match_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # When queued; reset when a worker starts the run.
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settings: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    worker: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    stage: Mapped[str | None] = mapped_column(String(16))
    comparisons_done: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    comparisons_total: Mapped[int | None] = mapped_column(BigInteger)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    entity_count: Mapped[int] = mapped_column(Integer, default=0)
    comparisons: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    sync_ids: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    # The thresholds' review (``matching.review``): counts and reasons, never a pair's score.
    review: Mapped[dict | None] = mapped_column(JSON)
    # Asked for by `match --full`; otherwise the run re-links only what changed when it can.
    full_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    mode: Mapped[str | None] = mapped_column(String(12))  # what ran: "full" or "incremental"
    changed_records: Mapped[int | None] = mapped_column(Integer)


class Link(Base):
    """The current hub-wide link ID of each current record, and the ID its partner sees in
    partner scope (``outputs.link_ids``: it follows the partner's own records only)."""

    __tablename__ = "links"
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    link_id: Mapped[str] = mapped_column(String(36), index=True)
    partner_link_id: Mapped[str | None] = mapped_column(String(36))
    match_run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id"))


class LinkHistory(Base):
    """Records that moved between entities in a run: ``kind`` "merged" when they joined an entity
    that existed before (``to_link_id``), "split" when they left ``from_link_id`` for a new one.
    Hub-wide link IDs and counts only."""

    __tablename__ = "link_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    kind: Mapped[str] = mapped_column(String(8))
    from_link_id: Mapped[str] = mapped_column(String(36))
    to_link_id: Mapped[str] = mapped_column(String(36))
    records: Mapped[int] = mapped_column(Integer)


class AuditEvent(Base):
    """Append-only, hash-chained log entry: ``hash`` covers the entry and the previous hash."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)




class SharingProject(Base):
    """A data-sharing project (a use case such as SEE): the unit of permission for outputs.

    Not ``Project``, the hub's one linkage configuration. ``definition`` is the checked TOML;
    status is ``draft`` -> ``approved`` -> ``closed`` or ``purged`` (``expired`` is derived
    from ``expires``).
    """

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    definition: Mapped[dict] = mapped_column(JSON)
    expires: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Publication(Base):
    """The tables one match run published for a project, after disclosure control.
    ``shown`` holds the counts shown (by quantity), to audit the next run's differences."""

    __tablename__ = "publications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    match_run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    tables: Mapped[list] = mapped_column(JSON)
    shown: Mapped[dict] = mapped_column(JSON)


class ConsoleSession(Base):
    """An operator's web-console session, opened by exchanging an operator token.

    The browser holds the session id in a cookie; only its SHA-256 is stored. A session ends at
    logout, at ``expires_at``, after ``last_seen_at`` is too old, or when its token is revoked.
    """

    __tablename__ = "console_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
