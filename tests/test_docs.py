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


def test_architecture_names_only_paths_that_exist():
    """docs/architecture.md names modules and folders by path; each must exist in the tree."""
    import re

    root = DOCS.parent
    page = (DOCS / "architecture.md").read_text()
    paths = set(re.findall(r"`((?:agent|coordinator|shared|synthetic|demo|benchmarks|tests|deploy|docs)"
                           r"/[A-Za-z0-9_./-]*)`", page))
    assert len(paths) > 20
    missing = sorted(path for path in paths if not (root / path).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_readme_links_only_inside_the_repository():
    readme = (DOCS.parent / "README.md").read_text()
    assert "../shared" not in readme
    assert "docs/architecture.md" in readme
