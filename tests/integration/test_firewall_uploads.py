"""Identifiers never get in through a real upload: a real coordinator on loopback, syncs over
HTTP. Each identifier format of issue 11 is refused in a declared attribute (also where the
allow-list alone would let it through), identifying attribute names are refused, and a column
of all-different values is refused however the sync is cut into chunks (49 records each)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from demo.local_hub import LocalHub
from hublink.shared.sync_protocol import SyncChunk
from tests.crafted_clks import random_clks
from tests.helpers import SCHEMA, TEST_DECLARATIONS, make_start

VALUES = ["20090415", "2009 04 15", "2009 April 15", "123 45 6789", "123.45.6789",
          "jane.doe(at)example.org", "+44 20 7946 0958", "she was picked up by her aunt"]
NAMES = ["first_name", "last_name", "full_name", "birth_date", "street", "dob", "home_address"]
SITES = [f"Site {chr(65 + index // 26)}{chr(65 + index % 26)}" for index in range(150)]
DECLARATIONS = TEST_DECLARATIONS + f'''
[attributes.score]
type = "integer"
minimum = 0
maximum = 99999999

[attributes.venue]
type = "category"
values = [{", ".join(f'"{site}"' for site in SITES)}]
'''


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with LocalHub(tmp_path_factory.mktemp("firewall") / "hub", declarations=DECLARATIONS) as running:
        token = running.coordinator("partner", "add", "school-district").stdout.strip().splitlines()[-1]
        running.headers = {"Authorization": f"Bearer {token}"}
        yield running


def _open(hub: LocalHub, names: tuple[str, ...]) -> tuple[requests.Response, str]:
    start = make_start(attribute_names=names)
    return requests.post(f"{hub.url}/api/v1/syncs", json=start.to_wire(), headers=hub.headers,
                         timeout=30), start.sync_id


def _chunk(values: dict[str, list[str]], seed: int) -> dict:
    count = len(next(iter(values.values())))
    return SyncChunk(pseudonyms=[f"{seed:04d}{index:060d}" for index in range(count)],
                     clks=b"".join(random_clks(count, SCHEMA.clk_bytes, seed)),
                     attributes=values, deletes=[]).to_wire()


def _stored(hub: LocalHub) -> int:
    status = requests.get(f"{hub.url}/api/v1/status", headers=hub.headers, timeout=30).json()
    return 0 if status["last_sync"] is None else status["last_sync"]["records"]


@pytest.mark.parametrize("attribute", ["program", "score"])
def test_each_identifier_format_is_refused_in_a_real_upload(hub, attribute):
    opened, sync_id = _open(hub, (attribute,))
    assert opened.status_code == 201, opened.text
    for value in VALUES:  # a refused chunk is not stored: the same sync takes the next one
        values = {attribute: ["camp" if attribute == "program" else "3", value]}
        answer = requests.put(f"{hub.url}/api/v1/syncs/{sync_id}/chunks/0", json=_chunk(values, 1),
                              headers=hub.headers, timeout=30)
        assert answer.status_code == 400, (value, answer.text)
        assert value not in answer.text and attribute in answer.text
        if value == "20090415" and attribute == "score":  # the allow-list admits it: the firewall
            assert "PII rule full_date" in answer.text
    assert requests.get(f"{hub.url}/api/v1/syncs/{sync_id}", headers=hub.headers,
                        timeout=30).json()["received_chunks"] == []
    assert _stored(hub) == 0


def test_identifying_attribute_names_are_refused_when_a_sync_opens(hub):
    for name in NAMES:
        answer, _ = _open(hub, ("program", name))
        assert answer.status_code == 400 and name in answer.text, answer.text
        assert "identifier_name" in answer.text


def test_chunks_of_49_records_do_not_evade_the_quasi_identifier_rule(hub):
    opened, sync_id = _open(hub, ("venue",))
    assert opened.status_code == 201
    for number in range(3):  # 49 all-different values each: every chunk alone would pass
        answer = requests.put(f"{hub.url}/api/v1/syncs/{sync_id}/chunks/{number}",
                              json=_chunk({"venue": SITES[number * 49:(number + 1) * 49]}, 10 + number),
                              headers=hub.headers, timeout=30)
        assert answer.status_code == 200, answer.text
    answer = requests.post(f"{hub.url}/api/v1/syncs/{sync_id}/commit", headers=hub.headers, timeout=30,
                           json={"format": "hublink.sync/1", "chunk_count": 3, "record_count": 147})
    assert answer.status_code == 400 and "quasi_identifier" in answer.text and "venue" in answer.text
    assert _stored(hub) == 0
    # the same values a few times over are a category, and pass
    opened, sync_id = _open(hub, ("venue",))
    for number in range(3):
        requests.put(f"{hub.url}/api/v1/syncs/{sync_id}/chunks/{number}", headers=hub.headers,
                     json=_chunk({"venue": SITES[:49]}, 20 + number), timeout=30)
    answer = requests.post(f"{hub.url}/api/v1/syncs/{sync_id}/commit", headers=hub.headers, timeout=30,
                           json={"format": "hublink.sync/1", "chunk_count": 3, "record_count": 147})
    assert answer.status_code == 200, answer.text
    assert _stored(hub) == 147
