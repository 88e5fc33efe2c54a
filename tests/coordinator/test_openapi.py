"""The OpenAPI description is served, covers exactly the app's routes, and the app keeps it."""

import re

import hypothesis
import pytest
from hypothesis import HealthCheck, settings

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.registry import add_partner, init_project


def test_description_is_served_without_a_token(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.") and document["paths"]


def test_description_lists_exactly_the_app_routes(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, item in document["paths"].items()
                 for method in item if method != "parameters"}
    assert routes == described  # the web pages are listed in docs/web-pages.md instead


@pytest.fixture
def fuzzed_app(tmp_path, database_url):
    application = create_app({"HOME": str(tmp_path / "home"), "TESTING": True,
                              "RATE_LIMIT_PER_MINUTE": 0})
    init_project(home_of(application).database)
    _, token = add_partner(home_of(application).database, "fuzzed-partner")
    yield application, token
    home_of(application).database.dispose()


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(fuzzed_app):
    # Imported here: schemathesis costs a second at start, and `make test-fast` (which leaves
    # this slow test out) runs without its plugin.
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance,
                                                   response_schema_conformance,
                                                   status_code_conformance)
    # Schema-valid but semantically wrong requests (a CLK of random bits, an unknown schema
    # id) are rightly refused with 400, so "positive data acceptance" is not among the checks.
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance,
              content_type_conformance]
    application, token = fuzzed_app
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=25, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @hypothesis.given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=headers, checks=checks)

        try:
            check()
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
