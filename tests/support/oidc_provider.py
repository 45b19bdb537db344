"""A tiny OpenID Connect provider for tests, served on loopback: a discovery document, a JWKS,
a token endpoint and a way to sign tokens with its keys. Real HTTP, so the checks of a provider's
tokens (social sign-in's ID tokens, PORTICO_AUTH=oidc's access tokens) are tested end to end.
"""

from __future__ import annotations

import atexit
import functools
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey


@functools.cache
def rsa_key(kid: str, purpose: str = "provider") -> RSAKey:
    """RSA keys are slow to make: each (kid, purpose) is made once per test session."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})


class OidcProvider:
    """Signs RS256 by default; `rotate()` adds a new key (and can drop the old ones)."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.reset()

    def reset(self) -> None:
        """Back as made (its first key is the same): for a provider reused by several tests."""
        self.keys: list[RSAKey | ECKey] = []
        self.requests: Counter[str] = Counter()
        self.fail = False
        self.token_answer: dict[str, Any] | None = None  # what POST /token answers
        self.token_requests: list[str] = []
        self.rotate()

    def __enter__(self) -> OidcProvider:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rotate(self, *, keep_old: bool = True, kind: str = "RSA") -> str:
        kid = f"key-{len(self.keys) + 1}"
        key: RSAKey | ECKey = (
            rsa_key(kid)
            if kind == "RSA"
            else ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig"})
        )
        self.keys = [*self.keys, key] if keep_old else [key]
        return kid

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.keys]}

    def token(
        self,
        audience: str,
        *,
        subject: str = "external-user-1",
        roles: list[str] | None = None,
        lifetime: int = 300,
        now: int | None = None,
        key: RSAKey | ECKey | None = None,
        **claims: Any,
    ) -> str:
        key = key or self.keys[-1]
        issued = int(time.time()) if now is None else now
        payload = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "iat": issued,
            "exp": issued + lifetime,
            "jti": uuid.uuid4().hex,
            "realm_access": {"roles": roles or []},
            **claims,
        }
        algorithm = "RS256" if isinstance(key, RSAKey) else "ES256"
        return jwt.encode({"alg": algorithm, "kid": key.kid}, payload, key, algorithms=[algorithm])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.requests[self.path] += 1
                if provider.fail:
                    self._send(503, {"error": "unavailable"})
                elif self.path.endswith("/.well-known/openid-configuration"):
                    self._send(
                        200,
                        {
                            "issuer": provider.issuer,
                            "jwks_uri": provider.issuer + "/jwks",
                            "authorization_endpoint": provider.issuer + "/authorize",
                            "token_endpoint": provider.issuer + "/token",
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                        },
                    )
                elif self.path == "/jwks":
                    self._send(200, provider.jwks())
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                """The token endpoint: answers `token_answer` (set by the test), whatever the
                code; the request's form is kept in `token_requests`."""
                length = int(self.headers.get("Content-Length", "0"))
                provider.token_requests.append(self.rfile.read(length).decode())
                if self.path == "/token" and provider.token_answer is not None:
                    self._send(200, provider.token_answer)
                else:
                    self._send(400, {"error": "invalid_grant"})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                return

        return Handler


@functools.cache
def _worker_provider() -> OidcProvider:
    provider = OidcProvider().__enter__()
    atexit.register(provider.__exit__)
    return provider


@contextmanager
def worker_provider() -> Iterator[OidcProvider]:
    """The provider of this process, as made: its issuer, so an app's settings naming it, is the
    same for every test, and the app on those settings is reused (tests/support/shared_app.py)."""
    provider = _worker_provider()
    provider.reset()
    yield provider
