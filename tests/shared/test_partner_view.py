"""The partner view's wire shape and its order-independent pseudonym digest."""

import hashlib
import secrets

import pytest

from hublink.shared.errors import InvalidPackage
from hublink.shared.partner_view import EMPTY_DIGEST, PartnerView, PseudonymDigest


def digest(pseudonyms) -> str:
    return PseudonymDigest().update(pseudonyms).hexdigest()


def test_digest_ignores_order_and_sees_every_addition_and_removal():
    pseudonyms = [secrets.token_hex(32) for _ in range(50)]
    assert digest(pseudonyms) == digest(reversed(pseudonyms)) == digest(sorted(pseudonyms))
    assert digest(pseudonyms[:-1]) != digest(pseudonyms)
    assert digest(pseudonyms[1:] + [secrets.token_hex(32)]) != digest(pseudonyms)
    assert digest([]) == EMPTY_DIGEST == "0" * 64


def test_digest_is_the_documented_sum_of_sha256():
    pseudonyms = ["a" * 64, "b" * 64]
    total = sum(int.from_bytes(hashlib.sha256(b"hublink/partner-view/v1\n" + p.encode()).digest(),
                               "big") for p in pseudonyms) % (1 << 256)
    assert digest(pseudonyms) == f"{total:064x}"


def test_view_round_trips_with_and_without_a_sync():
    synced = PartnerView("Summer Jobs", "6f1c0b1e-0000-4000-8000-000000000000",
                         "2026-12-01T02:00:00+00:00", "f" * 64, 12, digest(["a" * 64]))
    never = PartnerView("Camp", None, None, None, 0, EMPTY_DIGEST)
    for view in (synced, never):
        assert PartnerView.from_wire(view.to_wire()) == view


@pytest.mark.parametrize("mutate", [
    lambda w: w.update(format="other/1"),
    lambda w: w.update(record_count=-1),
    lambda w: w.update(record_count=True),
    lambda w: w.update(pseudonym_digest="xyz"),
    lambda w: w.update(last_sync={"committed_at": None}),
])
def test_malformed_views_are_refused(mutate):
    wire = PartnerView("Camp", None, None, None, 0, EMPTY_DIGEST).to_wire()
    mutate(wire)
    with pytest.raises(InvalidPackage):
        PartnerView.from_wire(wire)
