"""The link file a partner downloads: a link ID for each of its records, in random order."""

from __future__ import annotations

import random

from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.outputs.link_ids import partner_scoped_link_id
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage.models import Link, MatchRun, Partner

__all__ = ["LINKS_FORMAT", "partner_link_file"]

LINKS_FORMAT = "hublink.links/1"
_shuffle = random.SystemRandom().shuffle


def partner_link_file(home: CoordinatorHome, partner: Partner) -> dict:
    """Returns ``{"format", "scope", "match_run", "links": [[pseudonym, link_id], ...]}`` for
    every record of the partner as of the last match run, shuffled. In partner scope the IDs
    are the partner's own (``outputs.link_ids``); links written before those were stored get
    the older derivation, which the next run keeps."""
    project = get_project(home.database)
    with home.database.session() as session:
        rows = session.execute(select(Link.pseudonym, Link.link_id, Link.partner_link_id)
                               .where(Link.partner_id == partner.id)).all()
        last_run = session.scalars(select(MatchRun).where(MatchRun.status == "succeeded")
                                   .order_by(MatchRun.id.desc()).limit(1)).first()
    if project.link_scope == "hub":
        links = [[pseudonym, link_id] for pseudonym, link_id, _ in rows]
    else:
        key = home.link_scope_key() if any(stored is None for *_, stored in rows) else b""
        links = [[pseudonym, stored or partner_scoped_link_id(key, partner.id, link_id)]
                 for pseudonym, link_id, stored in rows]
    _shuffle(links)
    return {"format": LINKS_FORMAT, "scope": project.link_scope,
            "match_run": last_run.id if last_run else None, "links": links}
