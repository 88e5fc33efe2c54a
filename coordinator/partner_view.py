"""The coordinator's view of one partner, for the agent's check-in at every sync.

Only that partner's own figures: its last committed sync, its record count and the digest of
the pseudonyms it holds (``shared.partner_view``). The pseudonyms are streamed from the
database, so the digest costs memory for one batch whatever the partner's size.
"""

from __future__ import annotations

from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage.models import Encoding, Partner
from hublink.coordinator.linkage_secret import last_committed_sync
from hublink.shared.partner_view import PartnerView, PseudonymDigest

__all__ = ["partner_view"]

_BATCH = 10_000


def partner_view(home: CoordinatorHome, partner: Partner) -> PartnerView:
    """Given a partner, returns what the coordinator holds for it right now."""
    digest, count = PseudonymDigest(), 0
    with home.database.session() as session:
        sync = last_committed_sync(session, partner.id)
        pseudonyms = session.scalars(select(Encoding.pseudonym)
                                     .where(Encoding.partner_id == partner.id)
                                     .execution_options(yield_per=_BATCH))
        for pseudonym in pseudonyms:
            digest.add(pseudonym)
            count += 1
        return PartnerView(
            partner=partner.name,
            last_sync_id=sync.id if sync else None,
            last_sync_at=sync.committed_at.isoformat() if sync and sync.committed_at else None,
            fingerprint=sync.fingerprint if sync else None,
            record_count=count, pseudonym_digest=digest.hexdigest())
