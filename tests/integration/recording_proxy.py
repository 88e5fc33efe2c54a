"""A loopback HTTP proxy that records every request and response passing through it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


@dataclass
class Exchange:
    method: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_body: bytes


@dataclass
class RecordingProxy:
    """Forwards to ``target``; ``interfere(method, path)`` may answer "drop" to cut the
    connection without an answer (a network failure) or "hold" to wait until ``release``."""

    target: str
    exchanges: list[Exchange] = field(default_factory=list)
    interfere: Callable[[str, str], str | None] = lambda method, path: None
    released: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "RecordingProxy":
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = proxy.interfere(self.command, self.path)
                if action == "hold":
                    proxy.released.wait(60)
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.request(self.command, proxy.target + self.path, data=body,
                                          headers=headers, timeout=120)
                proxy.exchanges.append(Exchange(self.command, self.path, dict(self.headers), body,
                                                answer.status_code, answer.content))
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
