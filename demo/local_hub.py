"""A real hub on loopback: one coordinator process and any number of agent configurations.

Everything goes through the installed command-line programs, exactly as partner IT and the
coordinator operator would run them; nothing is called in-process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from hublink.agent.settings_render import render_config
from hublink.agent.private_files import write_private
from hublink.synthetic.declarations import synthetic_declarations

__all__ = ["LocalHub", "AgentSetup", "free_port"]

_BIN = Path(sys.executable).parent


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class AgentSetup:
    name: str
    folder: Path
    config_path: Path


@dataclass
class LocalHub:
    """A coordinator home under ``root`` served on a free loopback port. Its attributes.toml
    declares ``declarations`` (by default every attribute the synthetic partners send). The
    custodian's linkage secret is ``secret`` when given (so that two hubs encode alike, or a
    benchmark repeats), else a new one from ``hublink-agent keygen``."""

    root: Path
    link_scope: str = "partner"
    declarations: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    secret: bytes | None = None
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def home(self) -> Path:
        return self.root / "coordinator"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def secret_file(self) -> Path:
        return self.root / "custodian" / "linkage.secret"

    def _env(self) -> dict[str, str]:
        return {**os.environ, **self.environment}

    def coordinator(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Runs ``hublink-coordinator --home HOME ARGS`` and returns the finished process."""
        return subprocess.run([str(_BIN / "hublink-coordinator"), "--home", str(self.home), *args],
                              capture_output=True, text=True, check=check, env=self._env())

    def agent(self, setup: AgentSetup, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Runs ``hublink-agent --config CONFIG ARGS`` in the partner's folder."""
        return subprocess.run([str(_BIN / "hublink-agent"), "--config", str(setup.config_path), *args],
                              capture_output=True, text=True, check=check, cwd=setup.folder,
                              env=self._env())

    def start(self) -> "LocalHub":
        """Initialises the coordinator, creates the linkage secret and starts serving."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.coordinator("init", "--link-scope", self.link_scope)
        (self.home / "attributes.toml").write_text(self.declarations or synthetic_declarations())
        self.secret_file.parent.mkdir(parents=True, exist_ok=True)
        if self.secret is None:
            subprocess.run([str(_BIN / "hublink-agent"), "keygen", "--out", str(self.secret_file)],
                           check=True, capture_output=True, env=self._env())
        else:
            write_private(self.secret_file, self.secret.hex() + "\n")
        self.port = free_port()
        return self.serve()

    def serve(self) -> "LocalHub":
        """Starts serving the home on ``port`` (again, after ``stop``) and waits until it
        answers."""
        log = open(self.root / "coordinator.log", "a")
        self.process = subprocess.Popen(
            [str(_BIN / "hublink-coordinator"), "--home", str(self.home), "serve",
             "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT, env=self._env())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"coordinator exited; see {self.root / 'coordinator.log'}")
            time.sleep(0.1)
        raise RuntimeError("coordinator did not answer within 30 seconds")

    def add_partner(self, name: str, source: Path, record_key: str | list[str],
                    identifiers: dict[str, Any], attributes: dict[str, str] | None = None,
                    extra: dict[str, dict[str, Any]] | None = None) -> AgentSetup:
        """Registers the partner, hands it the token and the secret, and writes its config."""
        folder = self.root / "partners" / name
        folder.mkdir(parents=True, exist_ok=True)
        token = self.coordinator("partner", "add", name).stdout.strip().splitlines()[-1]
        (folder / "partner.token").write_text(token + "\n")
        secret = folder / "linkage.secret"
        secret.write_bytes(self.secret_file.read_bytes())
        secret.chmod(0o600)
        sections: dict[str, dict[str, Any]] = {
            "coordinator": {"url": self.url, "token_file": "partner.token"},
            "linkage": {"secret_file": "linkage.secret"},
            "source": {"path": str(source), "record_key": record_key},
            "identifiers": identifiers,
            "attributes": attributes or {},
        }
        for section, values in (extra or {}).items():
            sections.setdefault(section, {}).update(values)
        config_path = folder / "hublink-agent.toml"
        config_path.write_text(render_config(sections))
        return AgentSetup(name=name, folder=folder, config_path=config_path)

    def stop(self) -> None:
        """Stops the coordinator process."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self) -> "LocalHub":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
