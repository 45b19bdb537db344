"""A Sentry ingestion endpoint on loopback: it accepts envelopes as Sentry does and keeps each
item, so a test reads exactly what a forked deployment would send to its tracker."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class SentryReceiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.raw: list[bytes] = []  # every envelope as sent (decompressed)
        self.items: list[dict[str, Any]] = []  # the payload of every event item
        self._server: ThreadingHTTPServer | None = None

    @property
    def dsn(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://public-key@{host!s}:{port}/42"

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [item for item in self.items if "exception" in item or "message" in item]

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                receiver.keep(self.path, body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id":"0"}')

            def log_message(self, *args: Any) -> None:
                """Quiet: the test reads what arrived."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def keep(self, path: str, body: bytes) -> None:
        assert path == "/api/42/envelope/", path
        # An envelope: a header line, then (item header line, payload line) pairs.
        lines = body.split(b"\n")
        payloads = [json.loads(line) for line in lines[2::2] if line.strip()]
        with self.lock:
            self.raw.append(body)
            self.items += [p for p in payloads if isinstance(p, dict)]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def sentry_receiver() -> Iterator[SentryReceiver]:
    receiver = SentryReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
