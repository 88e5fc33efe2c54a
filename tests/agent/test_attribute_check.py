"""The agent applies the hub's allow-list and the PII firewall to the whole sync before
anything leaves."""

import pytest

from hublink.agent.sync_checks import check_attributes
from hublink.coordinator.attribute_declarations import (DEFAULT_DECLARATIONS,
                                                        declarations_as_wire,
                                                        parse_declarations_text)
from hublink.shared.errors import SourceError

DECLARED = declarations_as_wire(parse_declarations_text(DEFAULT_DECLARATIONS))


def test_declared_attributes_with_accepted_values_pass():
    check_attributes({"gender": ["female", None, "unknown"], "zip3": ["212", "", "210"]},
                     DECLARED)


@pytest.mark.parametrize("attributes, declared, expected", [
    ({"shoe_size": ["42"]}, DECLARED, "'shoe_size' is not declared"),
    ({"gender": ["F", "female"]}, DECLARED, "'gender' has 1 value(s)"),
    ({"start_month": ["2009 04 15"]}, DECLARED, "'start_month' has 1 value(s)"),
    ({"first_name": ["Jane"]}, None, "identifier_name"),
    ({"start_month": ["2009 04 15"]}, None, "full_date"),
])
def test_refused_attributes_are_named_before_anything_is_sent(attributes, declared, expected):
    with pytest.raises(SourceError) as raised:
        check_attributes(attributes, declared)
    text = str(raised.value)
    assert expected in text
    assert "Jane" not in text and "2009 04 15" not in text


def test_the_whole_sync_is_judged_not_one_chunk_at_a_time():
    names = [f"Youth {chr(65 + index // 26)}{chr(65 + index % 26)}" for index in range(147)]
    with pytest.raises(SourceError, match="quasi_identifier"):
        check_attributes({"program": names})
