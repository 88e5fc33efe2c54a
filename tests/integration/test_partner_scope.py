"""In partner scope nothing partner A can ask the coordinator depends on other partners' data.

A real coordinator process on loopback, partners syncing over HTTP, match runs through the
operator's CLI. Partner A's records are fixed while partner B's change (records that join A's
entities, and B1 ~ B2 that bridge two of A's records into one hub entity); then A holds a
youth known only to B, then a fictional one. Every answer A can get (link file, status,
partner view, its syncs, attributes, projects, pages) is compared; the hub's own entities are
read from its database to show that the bridging really happened there.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from demo.local_hub import LocalHub
from hublink.coordinator.app import create_app
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage.models import Link, Partner
from hublink.shared.sync_protocol import SyncChunk
from tests.crafted_clks import chain, random_clks
from tests.helpers import SCHEMA, TEST_DECLARATIONS, make_start

CLK_BYTES = SCHEMA.clk_bytes
BRIDGE = chain(4, CLK_BYTES, seed=13)  # A1 ~ B1 ~ B2 ~ A2
TWINS = chain(2, CLK_BYTES, seed=14, step=0.05)  # A's own duplicate pair
FICTIONAL = random_clks(1, CLK_BYTES, seed=15)[0]
A_RECORDS = {"a1": BRIDGE[0], "a2": BRIDGE[3], "twin-1": TWINS[0], "twin-2": TWINS[1],
             **{f"a-{index:02d}": clk for index, clk in enumerate(random_clks(30, CLK_BYTES, seed=16))}}
B_BACKGROUND = {f"b-{index:02d}": clk for index, clk in enumerate(random_clks(30, CLK_BYTES, seed=17))}
# The fields of A's answers that change with A's own syncs or with any match run (its id and
# time): they say that a run happened, nothing about whom it linked.
OWN_OR_RUN_FIELDS = {"id", "finished_at", "committed_at", "match_run", "sync_id", "last_sync_id",
                     "last_sync_at"}


def _pseudonym(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


NAMES = {_pseudonym(name): name for name in [*A_RECORDS, *B_BACKGROUND, "new", "b1", "b2", "b-twin"]}


def _sync(url: str, token: str, records: dict[str, bytes]) -> str:
    start = make_start(attribute_names=("program",))
    headers = {"Authorization": f"Bearer {token}"}
    chunk = SyncChunk(pseudonyms=[_pseudonym(name) for name in records], clks=b"".join(records.values()),
                      attributes={"program": ["camp"] * len(records)}, deletes=[])
    for method, path, body in (
            ("post", "/api/v1/syncs", start.to_wire()),
            ("put", f"/api/v1/syncs/{start.sync_id}/chunks/0", chunk.to_wire()),
            ("post", f"/api/v1/syncs/{start.sync_id}/commit",
             {"format": "hublink.sync/1", "chunk_count": 1, "record_count": len(records)})):
        answer = requests.request(method, url + path, json=body, headers=headers, timeout=30)
        assert answer.status_code in (200, 201), answer.text
    return start.sync_id


def _without(value, fields=OWN_OR_RUN_FIELDS):
    if isinstance(value, dict):
        return {key: _without(item, fields) for key, item in value.items() if key not in fields}
    if isinstance(value, list):
        return [_without(item, fields) for item in value]
    return value


def _partner_get_routes() -> list[str]:
    """Every GET route of the app, as a partner would fill in its parameters."""
    app = create_app({"HOME": tempfile.mkdtemp()})
    filled = {"sync_id": "{sync}", "name": "no-such-project", "table": "t", "filename": "x.css",
              "run_id": "1"}
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            # <name> or <converter:name>: a route with an unknown argument fails here, loudly
            routes.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda found: filled[found[1]], rule.rule))
    return routes


class PartnerA:
    """Partner A's side of the hub: its token, its syncs, and everything it can read."""

    def __init__(self, hub: LocalHub, token: str) -> None:
        self.hub, self.token, self.syncs = hub, token, []

    def sync(self, records: dict[str, bytes]) -> None:
        self.syncs.append(_sync(self.hub.url, self.token, records))

    def get(self, path: str) -> requests.Response:
        return requests.get(self.hub.url + path.replace("{sync}", self.syncs[-1]),
                            headers={"Authorization": f"Bearer {self.token}"}, timeout=30,
                            allow_redirects=False)

    def view(self) -> dict:
        """Every answer A gets with its token (a GET route answering 200), exact."""
        answers = {}
        for route in _partner_get_routes():
            if route.startswith(("/static/", "/console/")):
                continue  # assets, and the login form (a fresh CSRF token each time)
            answer = self.get(route)
            if answer.status_code == 200:
                is_json = answer.headers.get("Content-Type", "").startswith("application/json")
                answers[route] = answer.json() if is_json else answer.text
        links = answers.pop("/api/v1/links")
        assert links["scope"] == "partner"
        answers["links"] = {NAMES[pseudonym]: link_id for pseudonym, link_id in links["links"]}
        return answers


def _hub_entities(hub: LocalHub, name: str) -> dict[str, str]:
    """The hub-wide link ID of each of a partner's records (the operator's side)."""
    home = CoordinatorHome(hub.home)
    with home.database.session() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.name == name))
        return {NAMES[pseudonym]: link_id for pseudonym, link_id in session.execute(
            select(Link.pseudonym, Link.link_id).where(Link.partner_id == partner_id))}


@pytest.fixture
def hub(tmp_path: Path):
    with LocalHub(tmp_path / "hub", declarations=TEST_DECLARATIONS) as running:
        yield running


def _token(hub: LocalHub, name: str) -> str:
    return hub.coordinator("partner", "add", name).stdout.strip().splitlines()[-1]


def test_other_partners_data_changes_nothing_partner_a_can_see(hub):
    a, b_token = PartnerA(hub, _token(hub, "school-district")), _token(hub, "rec-centers")
    a.sync(A_RECORDS)
    _sync(hub.url, b_token, B_BACKGROUND)
    hub.coordinator("match")
    before = a.view()
    assert set(before) >= {"links", "/api/v1/status", "/api/v1/partner-view", "/api/v1/syncs/{sync}",
                           "/api/v1/attributes"}
    assert before["links"]["twin-1"] == before["links"]["twin-2"]  # A's own duplicates merge
    assert len(set(before["links"].values())) == len(A_RECORDS) - 1
    readable = {route for route in _partner_get_routes() if a.get(route).status_code == 200}
    assert readable == {"/api/v1/syncs/{sync}", "/api/v1/links", "/api/v1/health", "/api/v1/status",
                        "/api/v1/attributes", "/api/v1/partner-view", "/api/v1/openapi.json", "/",
                        "/console/login", "/static/vendor/plotly.min.js"}  # nothing hub-wide
    assert set(before) == readable - {"/api/v1/links", "/console/login", "/static/vendor/plotly.min.js"} | {"links"}

    # B now holds A1's and A2's youth twice (B1 ~ B2) and one of A's twins
    _sync(hub.url, b_token, {**B_BACKGROUND, "b1": BRIDGE[1], "b2": BRIDGE[2], "b-twin": TWINS[0]})
    for arguments in (("match",), ("match", "--full")):
        hub.coordinator(*arguments)
        entities = _hub_entities(hub, "school-district")
        assert entities["a1"] == entities["a2"]  # the hub joined A1 and A2 through B1 ~ B2
        assert _without(a.view()) == _without(before)
        assert a.view()["links"] == before["links"]

    _sync(hub.url, b_token, dict(list(B_BACKGROUND.items())[:10]))  # and B leaves again
    hub.coordinator("match")
    assert _hub_entities(hub, "school-district")["a1"] != _hub_entities(hub, "school-district")["a2"]
    assert _without(a.view()) == _without(before)


def test_a_youth_known_elsewhere_looks_like_a_fictional_one(hub):
    a, b_token = PartnerA(hub, _token(hub, "school-district")), _token(hub, "rec-centers")
    _sync(hub.url, b_token, {**B_BACKGROUND, "b1": BRIDGE[1], "b2": BRIDGE[2]})
    views = []
    for youth in (FICTIONAL, BRIDGE[3], FICTIONAL):  # fictional, known to B, fictional again
        a.sync({**{key: clk for key, clk in A_RECORDS.items() if key != "a2"}, "new": youth})
        hub.coordinator("match")
        entities = _hub_entities(hub, "school-district")
        assert (entities["new"] == entities["a1"]) == (youth is BRIDGE[3])  # the hub links it
        views.append(a.view())
    assert views[0]["links"] == views[1]["links"] == views[2]["links"]
    assert len(set(views[1]["links"].values())) == len(views[1]["links"]) - 1
    assert _without(views[1]) == _without(views[2])  # after the same kind of sync by A
