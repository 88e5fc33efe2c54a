"""Talk to the coordinator over HTTPS: authenticated, with bounded retries.

Connection errors and 5xx answers are retried with exponential backoff (urllib3's Retry);
a 4xx answer is final and reported with the coordinator's own error code and message.
Every sync call is idempotent (the agent names the sync; chunks are numbered), so retrying
any of them is safe.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from hublink.shared.errors import ConfigError, HublinkError
from hublink.shared.partner_view import PartnerView
from hublink.shared.sync_protocol import SyncChunk, SyncCommit, SyncStart

__all__ = ["CoordinatorClient", "CoordinatorUnreachable", "CoordinatorRefused", "read_token"]


class CoordinatorUnreachable(HublinkError):
    """The coordinator could not be reached, or kept failing, after the retries."""

    code = "coordinator_unreachable"


class CoordinatorRefused(HublinkError):
    """The coordinator answered with a 4xx error: retrying will not help."""

    code = "coordinator_refused"

    def __init__(self, message: str, *, status: int, error_code: str,
                 details: list[str] | None = None) -> None:
        super().__init__(message, details=details)
        self.status = status
        self.error_code = error_code


def read_token(path: Path) -> str:
    """Given the token file, returns the token; raises ConfigError when missing or empty."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"token file {path} does not exist; the hub operator issues the "
                          "token with `hublink-coordinator partner add`") from None
    if not token:
        raise ConfigError(f"token file {path} is empty")
    return token


def _failure_kind(error: requests.RequestException, timeout: float) -> str:
    """Returns what went wrong with a request, in words, without the library's message (it
    may quote a proxy's page)."""
    if isinstance(error, requests.exceptions.SSLError):
        return "the TLS handshake failed (check the hub's certificate and this machine's clock)"
    if isinstance(error, requests.exceptions.ProxyError):
        return "the proxy refused or failed the connection"
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return f"no connection within {timeout:g}s"
    if isinstance(error, requests.exceptions.ReadTimeout):
        return f"no answer within coordinator.timeout = {timeout:g}s"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "the connection was refused, reset or could not be made (name, route or port)"
    return type(error).__name__


class CoordinatorClient:
    """A session with the coordinator's API for one partner. ``token_source`` names where the
    token came from (the token file), for the message of a refused token."""

    def __init__(self, base_url: str, token: str, timeout: float, retries: int,
                 backoff: float = 0.5, token_source: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.attempts = retries + 1
        self.token_source = token_source
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "User-Agent": "hublink-agent"})
        retry = Retry(total=retries, connect=retries, read=retries, status=retries,
                      backoff_factor=backoff, backoff_max=30,
                      status_forcelist=(500, 502, 503, 504), allowed_methods=None,
                      raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.base_url}{path}"
        started = time.monotonic()
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise CoordinatorUnreachable(
                f"cannot reach the coordinator at {self.base_url}: {method} {path} failed "
                f"{self.attempts} time(s) over {time.monotonic() - started:.0f}s: "
                f"{_failure_kind(error, self.timeout)}",
                details=[f"check that coordinator.url ({self.base_url}) is the hub's address",
                         "check that this machine reaches it: open "
                         f"{self.base_url}/api/v1/health in a browser here (network, proxy, "
                         "firewall)",
                         "ask the hub operator whether the coordinator is running"]) from None
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "http_error", "message": response.reason or "refused"}
        if response.status_code >= 500:
            reason = error.get("message") if error.get("code") != "http_error" else None
            raise CoordinatorUnreachable(
                f"the coordinator kept failing (HTTP {response.status_code}"
                f"{': ' + reason if reason else ''}) to {method} {path}, {self.attempts} "
                f"time(s) over {time.monotonic() - started:.0f}s; try again later, and tell "
                "the hub operator if it persists")
        if response.status_code >= 400:
            details = list(error.get("details") or [])
            if response.status_code == 401 and self.token_source:
                details.append(f"put the partner token the hub operator issues in "
                               f"{self.token_source} (coordinator.token_file)")
            raise CoordinatorRefused(
                f"the coordinator refused the request (HTTP {response.status_code}): "
                f"{error.get('message', '')}", status=response.status_code,
                error_code=error.get("code", "http_error"), details=details)
        try:
            return response.json()
        except ValueError:
            raise CoordinatorUnreachable(
                f"{self.base_url} answered {method} {path} with something that is not JSON: "
                "check that coordinator.url is the coordinator itself, not a proxy's or "
                "portal's page") from None

    def partner_view(self) -> PartnerView:
        """Returns what the coordinator holds for this partner (the check-in of every sync);
        raises CoordinatorUnreachable, or CoordinatorRefused for a refused token."""
        body = self._request("GET", "/api/v1/partner-view")
        try:
            return PartnerView.from_wire(body)
        except HublinkError as error:
            raise CoordinatorUnreachable(f"the coordinator's answer to the check-in was not "
                                         f"understood ({error.message}): is "
                                         f"{self.base_url} a hublink coordinator of this "
                                         "version?") from None

    def open_sync(self, start: SyncStart) -> dict[str, Any]:
        """Opens (or re-opens) a sync; returns its state with the chunks already received."""
        return self._request("POST", "/api/v1/syncs", json=start.to_wire())

    def put_chunk(self, sync_id: str, number: int, chunk: SyncChunk) -> dict[str, Any]:
        """Sends chunk ``number`` of a sync."""
        return self._request("PUT", f"/api/v1/syncs/{sync_id}/chunks/{number}", json=chunk.to_wire())

    def commit_sync(self, sync_id: str, commit: SyncCommit) -> dict[str, Any]:
        """Commits a sync; returns its receipt (the same one if it was already committed)."""
        return self._request("POST", f"/api/v1/syncs/{sync_id}/commit", json=commit.to_wire())

    def links(self) -> dict[str, Any]:
        """Returns this partner's link file: ``{"links": [[pseudonym, link_id], ...], ...}``."""
        return self._request("GET", "/api/v1/links")

    def attribute_declarations(self) -> dict[str, Any] | None:
        """Returns the hub's attribute declarations (``{"attributes": {name: {...}}}``), or
        None from a coordinator too old to have them."""
        try:
            return self._request("GET", "/api/v1/attributes")
        except CoordinatorRefused as error:
            if error.status == 404:
                return None
            raise

    def status(self) -> dict[str, Any]:
        """Returns what the coordinator holds for this partner."""
        return self._request("GET", "/api/v1/status")
