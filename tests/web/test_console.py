"""The operator console over HTTP: login only with an operator token, cookie flags, CSRF on
every form, logout, expiry, revocation, and the pages' content (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hublink.coordinator.registry import add_partner
from hublink.coordinator.storage.models import ConsoleSession, utc_now
from hublink.coordinator.tokens import issue_token, list_tokens, revoke_token
from tests.project_files import approved_project
from hublink.coordinator.web.sessions import SESSION_COOKIE

PAGES = ("/console/partners", "/console/runs", "/console/projects", "/console/audit",
         "/console/tokens", "/console/quality", "/console/runs/1/review")


def _login_csrf(client) -> str:
    page = client.get("/console/login").get_data(as_text=True)
    return re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)


def log_in(client, token: str):
    return client.post("/console/login", data={"token": token, "login_csrf": _login_csrf(client)})


def csrf_of(client) -> str:
    page = client.get("/console/tokens").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def operator_token(home) -> str:
    return issue_token(home.database, "operator", label="console test")[1]


@pytest.fixture
def logged_in(client, operator_token):
    response = log_in(client, operator_token)
    assert response.status_code == 303
    return client


def test_pages_need_a_session(client):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/login")
    assert client.get("/console/runs/progress.json").status_code == 401


@pytest.mark.parametrize("role", ["partner", "analyst", "viewer"])
def test_other_roles_never_get_a_session(client, home, role, tmp_path):
    add_partner(home.database, "Summer Jobs")
    partner = "Summer Jobs" if role == "partner" else None
    project = (approved_project(home, tmp_path, "console", ["Summer Jobs"], ["program"])
               if role == "analyst" else None)
    token = issue_token(home.database, role, partner=partner, project=project)[1]
    response = log_in(client, token)
    assert response.status_code == 403 and "Only an operator token" in response.get_data(as_text=True)
    assert not any(value.startswith(SESSION_COOKIE + "=")
                   for value in response.headers.getlist("Set-Cookie"))
    assert client.get("/console/partners").status_code == 302


def test_login_sets_a_strict_http_only_cookie_and_audits(client, home, operator_token):
    response = log_in(client, operator_token)
    cookie = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie
    assert operator_token not in cookie
    assert client.get("/console/partners").status_code == 200
    audit = client.get("/console/audit?action=console_login").get_data(as_text=True)
    assert "console_login" in audit


def test_cookie_is_secure_behind_tls(client, operator_token):
    csrf = _login_csrf(client)
    response = client.post("/console/login", data={"token": operator_token, "login_csrf": csrf},
                           headers={"X-Forwarded-Proto": "https"})
    cookie = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie


def test_wrong_token_and_missing_login_csrf_are_refused(client, operator_token):
    assert log_in(client, "hlo_not-a-token").status_code == 401
    response = client.post("/console/login", data={"token": operator_token, "login_csrf": "forged"})
    assert response.status_code == 403
    assert client.get("/console/partners").status_code == 302


def test_every_form_needs_the_csrf_token(logged_in, home):
    for path in ("/console/tokens", "/console/runs", "/console/tokens/1/revoke", "/console/logout"):
        assert logged_in.post(path, data={"role": "viewer"}).status_code == 403
        assert logged_in.post(path, data={"role": "viewer", "csrf_token": "forged"}).status_code == 403
    csrf = csrf_of(logged_in)
    cross_site = logged_in.post("/console/tokens", data={"role": "viewer", "csrf_token": csrf},
                                headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert logged_in.get("/console/partners").status_code == 200  # still logged in


def test_logout_ends_the_session_at_once(logged_in, client):
    session_key = client.get_cookie(SESSION_COOKIE, path="/console").value
    response = logged_in.post("/console/logout", data={"csrf_token": csrf_of(logged_in)})
    assert response.status_code == 303
    client.set_cookie(SESSION_COOKIE, session_key, path="/console")  # a copy kept by a thief
    assert client.get("/console/partners").status_code == 302


@pytest.mark.parametrize("change", ["expired", "idle", "revoked"])
def test_session_ends_on_expiry_idleness_and_revocation(logged_in, home, change):
    with home.database.session() as session:
        if change == "expired":
            session.execute(update(ConsoleSession).values(expires_at=utc_now() - timedelta(seconds=1)))
        elif change == "idle":
            session.execute(update(ConsoleSession).values(last_seen_at=utc_now() - timedelta(hours=1)))
    if change == "revoked":
        token_id = next(t.id for t in list_tokens(home.database) if t.role == "operator")
        revoke_token(home.database, token_id)
    assert logged_in.get("/console/partners").status_code == 302


def test_pages_show_partners_runs_and_tokens(logged_in, home):
    add_partner(home.database, "Summer Jobs")
    partners = logged_in.get("/console/partners").get_data(as_text=True)
    assert "Summer Jobs" in partners and "never synced" in partners and "stale" in partners
    csrf = csrf_of(logged_in)
    queued = logged_in.post("/console/runs", data={"csrf_token": csrf})
    assert queued.status_code == 303
    runs = logged_in.get(queued.headers["Location"]).get_data(as_text=True)
    assert "queued" in runs and "Cancel run 1" in runs
    progress = logged_in.get("/console/runs/progress.json").get_json()
    assert progress[0]["id"] == 1 and progress[0]["status"] == "queued"
    cancelled = logged_in.post("/console/runs/1/cancel", data={"csrf_token": csrf})
    assert "cancelled" in logged_in.get(cancelled.headers["Location"]).get_data(as_text=True)


def test_tokens_are_issued_once_and_revoked(logged_in, home):
    csrf = csrf_of(logged_in)
    issued = logged_in.post("/console/tokens", data={"csrf_token": csrf, "role": "viewer",
                                                     "label": "dashboard team", "lifetime": "7d"})
    page = issued.get_data(as_text=True)
    token = re.search(r'id="issued-token">(hlv_[^<]+)<', page).group(1)
    assert "shown only once" in page
    listing = logged_in.get("/console/tokens").get_data(as_text=True)
    assert token not in listing and "dashboard team" in listing
    token_id = int(re.search(r'Token (\d+) \(viewer\)', page).group(1))
    revoked = logged_in.post(f"/console/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert f"Token {token_id} is revoked." in revoked.get_data(as_text=True)
    bad = logged_in.post("/console/tokens", data={"csrf_token": csrf, "role": "partner"})
    assert bad.status_code == 409 and "needs --partner" in bad.get_data(as_text=True)


def test_audit_log_is_filtered_and_paged(logged_in, home):
    for number in range(60):
        issue_token(home.database, "viewer", label=f"bulk {number}")
    everything = logged_in.get("/console/audit").get_data(as_text=True)
    assert "page 1 of" in everything and 'rel="next"' in everything
    issued = logged_in.get("/console/audit?action=token_issue").get_data(as_text=True)
    assert re.search(r"([\d,]+) entries", issued).group(1) == "61"  # the operator's and 60
    assert "page 1 of 2" in issued and issued.count("<td>token_issue</td>") == 50
    second = logged_in.get("/console/audit?action=token_issue&page=2").get_data(as_text=True)
    assert second.count("<td>token_issue</td>") == 11 and 'rel="prev"' in second
    assert "No entry matches" in logged_in.get("/console/audit?actor=nobody-at-all").get_data(as_text=True)
    assert "No entry matches" in logged_in.get("/console/audit?since=2999-01-01").get_data(as_text=True)


def test_analyst_tokens_are_issued_for_the_chosen_project(logged_in, home, tmp_path):
    add_partner(home.database, "Summer Jobs")
    approved_project(home, tmp_path, "jobs-study", ["Summer Jobs"], ["program"])
    form = logged_in.get("/console/tokens").get_data(as_text=True)
    assert '<select id="project" name="project">' in form and "<option>jobs-study</option>" in form
    csrf = csrf_of(logged_in)
    issued = logged_in.post("/console/tokens", data={"csrf_token": csrf, "role": "analyst",
                                                     "project": "jobs-study", "partner": "Summer Jobs"})
    page = issued.get_data(as_text=True)
    assert issued.status_code == 200 and "for project jobs-study" in page
    assert re.search(r'id="issued-token">(hla_[^<]+)<', page)
    assert [t.project for t in list_tokens(home.database) if t.role == "analyst"] == ["jobs-study"]
    missing = logged_in.post("/console/tokens", data={"csrf_token": csrf, "role": "analyst"})
    assert missing.status_code == 409 and "issued for one project" in missing.get_data(as_text=True)


def test_quality_page_shows_match_rates_and_warnings_without_identifiers(logged_in, home):
    from benchmarks.publish import seed_hub
    from hublink.coordinator.outputs.quality import quality_report
    from hublink.coordinator.storage.models import Link

    assert "No match run has succeeded yet" in logged_in.get("/console/quality").get_data(as_text=True)
    seed_hub(home, 400, 4)
    page = logged_in.get("/console/quality").get_data(as_text=True)
    report = quality_report(home)
    assert f"{report['records']:,} linked records in {report['entities']:,} young people" in page
    for warning in report["warnings"]:
        assert warning.replace("'", "&#39;") in page
    if not report["warnings"]:
        assert "No warning" in page
    for partner, figures in report["by_partner"].items():
        assert (f'<th scope="row">{partner}</th><td class="number">{figures["records"]:,}</td>'
                in page)
    assert 'id="rates-race_ethnicity"' in page and 'id="entity-sizes"' in page
    with home.database.session() as session:
        pseudonyms = list(session.scalars(select(Link.pseudonym).limit(50)))
        link_ids = list(session.scalars(select(Link.link_id).limit(50)))
    assert not any(value in page for value in pseudonyms + link_ids)
    audit = logged_in.get("/console/audit?action=quality_report").get_data(as_text=True)
    assert "quality_report" in audit


def test_review_page_needs_a_known_run(logged_in, home):
    from hublink.coordinator.jobs.queue import enqueue_run

    assert logged_in.get("/console/runs/999/review").status_code == 404
    run_id = enqueue_run(home.database)
    page = logged_in.get(f"/console/runs/{run_id}/review").get_data(as_text=True)
    assert "This run has no review (queued)" in page
