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


def test_every_limit_setting_is_documented_in_the_operator_guide():
    from hublink.coordinator.service_limits import LIMIT_SETTINGS
    guide = (DOCS / "operator-guide.md").read_text()
    for name in LIMIT_SETTINGS:
        assert f"`{name}`" in guide, name


def test_every_api_route_is_in_the_readme(tmp_path):
    import re

    from hublink.coordinator.app import create_app, home_of
    app = create_app({"HOME": str(tmp_path / "home")})
    readme = re.sub(r"<[^>`]+>", "<>", (DOCS.parent / "README.md").read_text())
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "openapi.get_openapi") or not rule.rule.startswith("/api/"):
            continue  # page routes are listed in docs/web-pages.md (tests/web/test_docs_pages.py)
        path = re.sub(r"<[^>]+>", "<>", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert f"`{method} {path}`" in readme, f"{method} {path}"
    home_of(app).database.dispose()
