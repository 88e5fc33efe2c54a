"""Docs that cannot drift: generated pages must match the code, and name every setting."""

from pathlib import Path

import pytest

from docs.generate import PAGES
from hublink.agent.settings import SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_generated_page_is_current(name):
    assert (DOCS / name).read_text() == PAGES[name](), f"run `make docs` to refresh docs/{name}"


def test_every_agent_setting_is_documented():
    page = (DOCS / "agent-config.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.dotted}`" in page
