"""The operator console: partners, match runs with live progress, projects, audit log, tokens
(the linkage quality and review pages are in ``console_linkage``).

Only an operator token opens it, exchanged at ``/console/login`` for a session cookie
(HttpOnly, SameSite=Strict, Secure when the request came over TLS). Every form carries the
session's CSRF token, and every state change also needs a same-origin ``Origin`` when the
browser sends one. Other roles are refused at login and never get a session.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from flask import (Blueprint, Response, current_app, g, jsonify, redirect, render_template,
                   request, url_for)

from hublink.coordinator.api.context import current_home
from hublink.coordinator.errors import Forbidden, Unauthorised
from hublink.coordinator.jobs.queue import enqueue_run, list_runs, request_cancel
from hublink.coordinator.status import hub_status
from hublink.coordinator.tokens import ROLES, issue_token, list_tokens, parse_lifetime, revoke_token
from hublink.coordinator.web.console_data import (AuditQuery, audit_actions, audit_page,
                                                  partner_rows)
from hublink.coordinator.web.publications import publications_of
from hublink.coordinator.web.sessions import (SESSION_COOKIE, csrf_matches, end_session,
                                              find_session, open_session)
from hublink.shared.errors import HublinkError

__all__ = ["blueprint", "LOGIN_CSRF_COOKIE"]

blueprint = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
LOGIN_CSRF_COOKIE = "hublink_console_login"


def _secure() -> bool:
    return request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin)._replace(path="").geturl() == request.host_url.rstrip("/")


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Runs the view with ``g.console_user`` set; without a live session, GET requests go to
    the login page and others are refused. POSTs need the session's CSRF token."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = find_session(current_home().database, request.cookies.get(SESSION_COOKIE))
        if user is None:
            if request.method == "GET" and not request.path.endswith(".json"):
                return redirect(url_for("console.login", next=request.path))
            raise Unauthorised("your console session ended: log in again")
        if request.method == "POST" and not (
                _same_origin() and csrf_matches(user.csrf_token, request.form.get("csrf_token"))):
            raise Forbidden("the form was not sent by this console page (CSRF check failed): "
                            "reload the page and try again")
        g.console_user = user
        return view(*args, **kwargs)

    return wrapper


@blueprint.context_processor
def console_context() -> dict[str, Any]:
    user = g.get("console_user")
    return {"csrf_token": user.csrf_token if user else None, "console_user": user}


@blueprint.get("/login")
def login() -> Response:
    """The login form: paste an operator token."""
    return _login_page()


def _login_page(message: str | None = None, status: int = 200) -> Response:
    login_csrf = secrets.token_urlsafe(32)
    response = Response(render_template("console/login.html", login_csrf=login_csrf,
                                        message=message, next=_next_path()), status)
    response.set_cookie(LOGIN_CSRF_COOKIE, login_csrf, httponly=True, samesite="Strict",
                        secure=_secure(), path="/console/login", max_age=3600)
    return response


def _next_path() -> str:
    path = request.values.get("next", "")
    return path if path.startswith("/console/") and "//" not in path else url_for("console.partners")


@blueprint.post("/login")
def login_submit() -> Response:
    """Exchanges an operator token for a session cookie; refuses every other token."""
    if not (_same_origin() and csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""),
                                            request.form.get("login_csrf"))):
        return _login_page("The login form expired: try again.", 403)
    try:
        user, session_key = open_session(current_home().database, request.form.get("token", ""))
    except Forbidden:
        return _login_page("Only an operator token opens the console.", 403)
    except Unauthorised as error:
        return _login_page(f"That token does not open the console: {error.message}.", 401)
    response = redirect(_next_path(), 303)
    lifetime = int((user.expires_at - datetime.now(timezone.utc)).total_seconds())
    response.set_cookie(SESSION_COOKIE, session_key, httponly=True, samesite="Strict",
                        secure=_secure(), path="/console", max_age=max(lifetime, 0))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    return response


@blueprint.post("/logout")
@login_required
def logout() -> Response:
    """Ends the session at once."""
    end_session(current_home().database, g.console_user)
    response = redirect(url_for("console.login"), 303)
    response.delete_cookie(SESSION_COOKIE, path="/console", httponly=True, samesite="Strict",
                           secure=_secure())
    return response


@blueprint.get("/")
@login_required
def overview() -> Response:
    return redirect(url_for("console.partners"))


@blueprint.get("/partners")
@login_required
def partners() -> str:
    """Every partner with its last sync, records and staleness."""
    return render_template("console/partners.html", partners=partner_rows(current_home()))


@blueprint.get("/runs")
@login_required
def runs() -> str:
    """Match runs, newest first, with live progress of the queued and running ones."""
    return render_template("console/runs.html", runs=list_runs(current_home().database, limit=50),
                           message=request.args.get("message"))


@blueprint.get("/runs/progress.json")
@login_required
def runs_progress() -> Response:
    """The queued and running runs' stage and comparisons, for the runs page's live view."""
    return jsonify(hub_status(current_home())["active_matches"])


@blueprint.post("/runs")
@login_required
def queue_run() -> Response:
    run_id = enqueue_run(current_home().database)
    return redirect(url_for("console.runs", message=f"Match run {run_id} queued: a worker "
                            f"will start it."), 303)


@blueprint.post("/runs/<int:run_id>/cancel")
@login_required
def cancel_run(run_id: int) -> Response:
    status = request_cancel(current_home().database, run_id)
    return redirect(url_for("console.runs", message=f"Match run {run_id}: {status}."), 303)


@blueprint.get("/projects")
@login_required
def projects() -> str:
    """Every project with its status, approval and expiry."""
    return render_template("console/projects.html", projects=publications_of(current_app).projects())


@blueprint.get("/audit")
@login_required
def audit() -> str:
    """The audit log, filtered by actor, action and dates, 50 entries a page."""
    query = AuditQuery.from_arguments(request.args)
    return render_template("console/audit.html", query=query,
                           result=audit_page(current_home(), query), actions=audit_actions(current_home()))


def _tokens_page(**extra: Any) -> str:
    partner_names = [row["name"] for row in hub_status(current_home())["partners"]]
    project_names = sorted(project.name for project in publications_of(current_app).projects())
    return render_template("console/tokens.html", tokens=list_tokens(current_home().database),
                           roles=ROLES, partners=partner_names, projects=project_names, **extra)


@blueprint.get("/tokens")
@login_required
def tokens() -> str:
    """Every token (never the token itself), with forms to issue and revoke."""
    return _tokens_page()


@blueprint.post("/tokens")
@login_required
def issue() -> Any:
    """Issues a token and shows it once, on this response only."""
    role = request.form.get("role", "")
    try:
        lifetime_text = request.form.get("lifetime", "").strip()
        info, token = issue_token(
            current_home().database, role, partner=(request.form.get("partner") or None)
            if role == "partner" else None,
            project=(request.form.get("project") or None) if role == "analyst" else None,
            label=request.form.get("label", "").strip() or None,
            lifetime=parse_lifetime(lifetime_text) if lifetime_text else None,
            actor=g.console_user.actor)
    except HublinkError as error:
        return _tokens_page(error=error.message), error.http_status
    return _tokens_page(issued=info, issued_token=token)


@blueprint.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> str:
    info = revoke_token(current_home().database, token_id, actor=g.console_user.actor)
    return _tokens_page(revoked=info)
