"""The demo's pipeline on a running hub: every synthetic partner checks and syncs, the
coordinator matches, and the demo project is created, approved by an approver token and
published by place. Shared by ``make demo`` and the browser tests of real publications, so
the tests look at what the product itself publishes.
"""

from __future__ import annotations

from collections.abc import Callable

from demo.local_hub import AgentSetup, LocalHub
from demo.outputs import write_demo_project
from hublink.synthetic.dataset import SyntheticDataset

__all__ = ["DEMO_PROJECT", "publish_demo"]

DEMO_PROJECT = "see-demo"


def publish_demo(hub: LocalHub, dataset: SyntheticDataset,
                 say: Callable[[str], None] = print) -> list[AgentSetup]:
    """Given a started hub and a generated dataset, syncs every partner, matches, creates,
    approves and publishes the demo project; reports each step through ``say`` (counts and
    statuses only). Returns the partners' agent setups. Raises CalledProcessError."""
    setups = [hub.add_partner(p.name, p.path, p.record_key, p.identifiers, p.attributes)
              for p in dataset.partners]
    for setup in setups:
        check = hub.agent(setup, "check", check=False)
        problems = check.stdout.strip().splitlines()[-1]
        sync = hub.agent(setup, "sync")
        say(f"[{setup.name}] check: {problems}; {sync.stdout.strip().splitlines()[0]}")
    say(hub.coordinator("match").stdout.strip())
    project_file = write_demo_project(hub.root, [p.name for p in dataset.partners])
    hub.coordinator("project", "create", str(project_file))
    approver = hub.coordinator("token", "issue", "--role", "approver", "--label",
                               "Community Oversight Board").stdout.strip().splitlines()[-1]
    (hub.root / "approver.token").write_text(approver + "\n")
    say(hub.coordinator("project", "approve", DEMO_PROJECT, "--token-file",
                        str(hub.root / "approver.token")).stdout.strip())
    say(hub.coordinator("publish", DEMO_PROJECT).stdout.strip())
    return setups
