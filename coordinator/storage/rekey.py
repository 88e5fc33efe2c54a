"""``rotate-data-key``: seal everything at rest under a new key, then retire the old keys.

It is also the migration that seals values written before encryption at rest existed: the
only reader that accepts them (everything else refuses a plain value). Rows are re-sealed in batches, each its own transaction; the keyring keeps every old key
until the last batch is done, so an interrupted rotation leaves all data readable and
running the command again finishes it.
"""

from __future__ import annotations

from sqlalchemy import select, update

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Encoding, RecordAttributes
from hublink.coordinator.storage.sealed_records import (open_attributes, open_clk,
                                                        open_enrollments, seal_attributes,
                                                        seal_clk, seal_enrollments)

__all__ = ["rotate_data_key"]

_BATCH = 2_000


def _reseal_encodings(home: CoordinatorHome, key_id: int) -> int:
    done, after = 0, (-1, "")
    while True:
        with home.database.session() as session:
            rows = session.execute(
                select(Encoding.partner_id, Encoding.pseudonym, Encoding.clk)
                .where((Encoding.partner_id > after[0])
                       | ((Encoding.partner_id == after[0]) & (Encoding.pseudonym > after[1])))
                .order_by(Encoding.partner_id, Encoding.pseudonym).limit(_BATCH)).all()
            for partner_id, pseudonym, stored in rows:
                if home.sealer.key_of(stored) != key_id:
                    clk = open_clk(home.sealer, partner_id, pseudonym, stored, allow_plain=True)
                    session.execute(update(Encoding).where(
                        Encoding.partner_id == partner_id, Encoding.pseudonym == pseudonym)
                        .values(clk=seal_clk(home.sealer, partner_id, pseudonym, clk)))
                    done += 1
        if len(rows) < _BATCH:
            return done
        after = (rows[-1][0], rows[-1][1])


def _reseal_attributes(home: CoordinatorHome) -> int:
    done, after = 0, (-1, "")
    while True:
        with home.database.session() as session:
            rows = session.execute(
                select(RecordAttributes.partner_id, RecordAttributes.pseudonym,
                       RecordAttributes.attributes, RecordAttributes.enrollments)
                .where((RecordAttributes.partner_id > after[0])
                       | ((RecordAttributes.partner_id == after[0])
                          & (RecordAttributes.pseudonym > after[1])))
                .order_by(RecordAttributes.partner_id, RecordAttributes.pseudonym)
                .limit(_BATCH)).all()
            for partner_id, pseudonym, stored, stored_enrollments in rows:
                values = open_attributes(home.sealer, partner_id, pseudonym, stored,
                                         allow_plain=True)
                enrollments = open_enrollments(home.sealer, partner_id, pseudonym,
                                               stored_enrollments)
                session.execute(update(RecordAttributes).where(
                    RecordAttributes.partner_id == partner_id,
                    RecordAttributes.pseudonym == pseudonym)
                    .values(attributes=seal_attributes(home.sealer, partner_id, pseudonym, values),
                            enrollments=seal_enrollments(home.sealer, partner_id, pseudonym,
                                                         enrollments)))
                done += 1
        if len(rows) < _BATCH:
            return done
        after = (rows[-1][0], rows[-1][1])


def rotate_data_key(home: CoordinatorHome) -> dict[str, int]:
    """Adds a new data key, re-seals every stored CLK, attribute set (with its enrollments)
    and spooled chunk with it, retires the old keys and returns the counts; raises
    SealingError on a value that does not open (nothing is retired then)."""
    key_id = home.sealer.add_key()
    encodings = _reseal_encodings(home, key_id)
    attributes = _reseal_attributes(home)
    chunks = home.spool.reseal_all()
    home.sealer.retire_keys_except(key_id)
    record_event(home.database, "operator", "data_key_rotated", key=key_id, encodings=encodings,
                 attributes=attributes, spooled_chunks=chunks)
    return {"key": key_id, "encodings": encodings, "attributes": attributes,
            "spooled_chunks": chunks}
