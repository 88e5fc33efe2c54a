"""Talk to the coordinator over HTTPS: authenticated, with bounded retries.

Connection errors and 5xx answers are retried with exponential backoff (urllib3's Retry);
a 4xx answer is final and reported with the coordinator's own error code and message.
Uploads are whole-snapshot replacements, so retrying one is safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from hublink.shared.errors import ConfigError, HublinkError
from hublink.shared.upload_package import UploadPackage

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


class CoordinatorClient:
    """A session with the coordinator's API for one partner."""

    def __init__(self, base_url: str, token: str, timeout: float = 60.0,
                 retries: int = 5, backoff: float = 0.5) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
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
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise CoordinatorUnreachable(
                f"cannot reach the coordinator at {self.base_url}: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise CoordinatorUnreachable(
                f"the coordinator kept failing (HTTP {response.status_code}); try again later")
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "http_error", "message": response.reason or "refused"}
            raise CoordinatorRefused(
                f"the coordinator refused the request (HTTP {response.status_code}): "
                f"{error.get('message', '')}", status=response.status_code,
                error_code=error.get("code", "http_error"), details=error.get("details"))
        return response.json()

    def upload(self, package: UploadPackage) -> dict[str, Any]:
        """Given a package, returns the coordinator's receipt; raises on refusal."""
        return self._request("POST", "/api/v1/uploads", json=package.to_wire())

    def links(self) -> dict[str, Any]:
        """Returns this partner's link file: ``{"links": [[pseudonym, link_id], ...], ...}``."""
        return self._request("GET", "/api/v1/links")

    def status(self) -> dict[str, Any]:
        """Returns what the coordinator holds for this partner."""
        return self._request("GET", "/api/v1/status")
