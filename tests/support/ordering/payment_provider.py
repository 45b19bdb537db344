"""A tiny payment provider on loopback, speaking the API HttpPaymentGateway expects.

It honours idempotency keys like a real provider, understands the fake gateway's test tokens,
and can be made to fail (`fail_next` answers 503), be slow (`slow_next` answers are processed,
then held `slow_seconds` before they are sent: the charge happens, the answer comes late), or
be down (`stop()`, or point a client at a port where nothing listens).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A client waits PATIENCE for an answer meant to come in time; a test of timeouts gives its
# client a short one and makes the answer come later still (`slow_seconds`, TIMEOUT_TOKEN_SECONDS).
from tests.support.servers import PATIENCE as PATIENCE

TIMEOUT_TOKEN_SECONDS = 3.0
_DECLINES = {"tok_decline": "card declined", "tok_insufficient_funds": "insufficient funds"}


class LoopbackProvider:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.fail_next = 0
        self.slow_next = 0
        self.slow_seconds = 0.0
        self.charges: dict[str, dict[str, Any]] = {}
        self._answers: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, port: int = 0) -> None:
        """Listen on `port` (0: any free one); start again on the same port after stop()."""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer, delay = provider.handle(
                    self.path, self.headers.get("Idempotency-Key", ""), body
                )
                if delay:
                    time.sleep(delay)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    if status == 503:
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test output is not the place for an access log."""

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def approved_charges(self) -> int:
        return len(self.charges)

    def handle(
        self, path: str, key: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any], float]:
        with self.lock:
            self.requests += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": "temporarily unavailable"}, 0.0
            delay = 0.0
            if self.slow_next > 0:
                self.slow_next -= 1
                delay = self.slow_seconds
            if not key:
                return 400, {"error": "Idempotency-Key is required"}, delay
            if (path, key) in self._answers:
                first_body, answer = self._answers[(path, key)]
                if first_body != body:
                    return 409, {"error": "idempotency key reused with another request"}, delay
                return 200, answer, delay
            if path == "/v1/authorizations":
                if body.get("token") == "tok_timeout":
                    return 200, {}, TIMEOUT_TOKEN_SECONDS
                status, answer = self._authorize(body)
            elif path == "/v1/refunds":
                status, answer = self._refund(body)
            else:
                return 404, {"error": "no such endpoint"}, delay
            if status == 200:
                self._answers[(path, key)] = (body, answer)
            return status, answer, delay

    def _authorize(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        token = body.get("token")
        if token == "tok_approve":
            charge_id = f"auth_{len(self.charges) + 1}"
            self.charges[charge_id] = {
                "amount": Decimal(body["amount"]),
                "currency": body["currency"],
                "refunded": Decimal("0"),
            }
            return 200, {"id": charge_id, "status": "approved", "decline_reason": None}
        reason = _DECLINES.get(str(token), "unknown card token")
        return 200, {"id": None, "status": "declined", "decline_reason": reason}

    def _refund(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        charge = self.charges.get(str(body.get("authorization_id")))
        if charge is None:
            return 422, {"error": "no approved authorization with this id"}
        amount = Decimal(body["amount"])
        if body.get("currency") != charge["currency"]:
            return 422, {"error": "a refund is made in the currency of its charge"}
        if charge["refunded"] + amount > charge["amount"]:
            return 422, {"error": "refunds would exceed the charge"}
        charge["refunded"] += amount
        refunds = sum(1 for path, _ in self._answers if path == "/v1/refunds")
        return 200, {"id": f"refund_{refunds + 1}", "status": "succeeded"}


@contextmanager
def loopback_provider() -> Iterator[LoopbackProvider]:
    provider = LoopbackProvider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
