"""The coordinator's matching engine: blocking, Dice comparison, solving and stable link IDs."""

from hublink.coordinator.matching.blocking import BlockingSettings
from hublink.coordinator.matching.engine import MatchResult, MatchSettings, match_partners
from hublink.coordinator.matching.link_ids import RecordRef, assign_link_ids, default_new_id
from hublink.coordinator.matching.records import InvalidMatchInput, PartnerClks

__all__ = [
    "BlockingSettings",
    "InvalidMatchInput",
    "MatchResult",
    "MatchSettings",
    "PartnerClks",
    "RecordRef",
    "assign_link_ids",
    "default_new_id",
    "match_partners",
]
