"""A real coordinator process on loopback with two agents, shared by the integration tests."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from demo.local_hub import AgentSetup, LocalHub
from hublink.synthetic import generate_dataset
from tests.integration.recording_proxy import RecordingProxy


@dataclass
class RunningHub:
    hub: LocalHub
    proxy: RecordingProxy
    agents: list[AgentSetup]
    sources: dict[str, Path]
    dataset: object

    def links(self, setup: AgentSetup, name: str = "links.csv") -> dict[str, str]:
        out = setup.folder / name
        self.hub.agent(setup, "links", "--out", str(out))
        with open(out, newline="") as handle:
            return {row["record_key"]: row["link_id"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def running_hub(tmp_path_factory) -> RunningHub:
    root = tmp_path_factory.mktemp("hub")
    dataset = generate_dataset(root / "sources", youth=400, seed=7)
    partners = dataset.partners[:2]
    with LocalHub(root / "hub") as hub:
        proxy = RecordingProxy(hub.url).start()
        agents = [hub.add_partner(p.name, p.path, p.record_key, p.identifiers, p.attributes,
                                  extra={"coordinator": {"url": proxy.url}})
                  for p in partners]
        for setup in agents:
            hub.agent(setup, "sync")
        hub.coordinator("match")
        yield RunningHub(hub, proxy, agents, {p.name: p.path for p in partners}, dataset)
        proxy.stop()
