"""Every page route is documented in docs/web-pages.md (the API's are in the OpenAPI document)."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "web-pages.md"


def test_every_page_route_is_documented(app):
    documented = PAGE.read_text()
    missing = [f"{method} {path}" for rule in app.url_map.iter_rules()
               if not rule.rule.startswith("/api/") and rule.endpoint != "static"
               for path in [re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)]
               for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
               if f"`{method} {path}`" not in documented]
    assert not missing, f"document these routes in docs/web-pages.md: {missing}"
