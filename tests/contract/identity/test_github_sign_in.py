"""GitHubSignIn against a real OAuth 2.0 server on loopback that speaks GitHub's endpoints (the
token exchange, `GET /user`, `GET /user/emails`): GitHub itself cannot be reached from here. What
is checked: the authorization URL (client, callback, state, S256 challenge, scopes), the code
traded with its PKCE verifier and client secret, the bearer token used on the API, which email is
taken and whether it counts as verified, and a refused code."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.identity.github_sign_in import GitHubSignIn
from application.identity.social_ports import Authorization, ProviderSignInFailed

CALLBACK = "http://127.0.0.1:8000/api/v1/auth/social/github/callback"
AUTHORIZATION = Authorization(
    state="the-state", nonce="unused", code_verifier="v" * 64, callback_url=CALLBACK
)


class GitHubLike:
    """Issues an access token for the one good code whose verifier matches its challenge."""

    def __init__(self, emails: list[dict[str, Any]]) -> None:
        self.emails = emails
        self.token_forms: list[dict[str, list[str]]] = []
        self.authorizations: list[str | None] = []
        challenge = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 64).digest()).rstrip(b"=")
        self.challenge = challenge.decode()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GitHubLike:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                form["authorization"] = [self.headers.get("Authorization", "")]
                server.token_forms.append(form)
                verifier = form.get("code_verifier", [""])[0].encode()
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
                if form.get("code") == ["good-code"] and digest.decode() == server.challenge:
                    self._send(200, {"access_token": "gho_x", "token_type": "bearer"})
                else:
                    self._send(200, {"error": "bad_verification_code"})  # as GitHub does

            def do_GET(self) -> None:
                server.authorizations.append(self.headers.get("Authorization"))
                if self.headers.get("Authorization") != "Bearer gho_x":
                    self._send(401, {"message": "Bad credentials"})
                elif self.path == "/user":
                    self._send(200, {"id": 4242, "login": "octo"})
                elif self.path == "/user/emails":
                    self._send(200, server.emails)
                else:
                    self._send(404, {"message": "Not Found"})

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                return

        return Handler


@pytest.fixture
def emails() -> list[dict[str, Any]]:
    return [
        {"email": "old@example.com", "primary": False, "verified": True},
        {"email": "octo@example.com", "primary": True, "verified": True},
    ]


@pytest.fixture
def github(emails: list[dict[str, Any]]) -> Iterator[tuple[GitHubLike, GitHubSignIn]]:
    with GitHubLike(emails) as server:
        yield (
            server,
            GitHubSignIn(
                client_id="gh-client",
                client_secret="gh-secret",
                web_url=server.url,
                api_url=server.url,
            ),
        )


async def test_the_authorization_url_carries_client_callback_state_and_challenge(
    github: tuple[GitHubLike, GitHubSignIn],
) -> None:
    server, provider = github
    url = urlsplit(await provider.authorization_url(AUTHORIZATION))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{server.url}/login/oauth/authorize"
    assert query["client_id"] == "gh-client"
    assert query["redirect_uri"] == CALLBACK
    assert query["state"] == "the-state"
    assert query["code_challenge"] == server.challenge
    assert query["code_challenge_method"] == "S256"
    assert set(query["scope"].split()) == {"read:user", "user:email"}


async def test_the_account_is_githubs_user_id_and_its_primary_verified_email(
    github: tuple[GitHubLike, GitHubSignIn],
) -> None:
    server, provider = github
    account = await provider.account(code="good-code", authorization=AUTHORIZATION)
    assert (account.subject, account.email, account.email_verified) == (
        "4242",
        "octo@example.com",
        True,
    )
    form = server.token_forms[0]
    assert form["code_verifier"] == ["v" * 64]
    assert form["redirect_uri"] == [CALLBACK]
    basic = base64.b64encode(b"gh-client:gh-secret").decode()
    assert form["authorization"] == [f"Basic {basic}"]


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        (
            [{"email": "a@example.com", "primary": True, "verified": False}],
            ("a@example.com", False),
        ),
        (
            [
                {"email": "a@example.com", "primary": True, "verified": False},
                {"email": "b@example.com", "primary": False, "verified": True},
            ],
            ("b@example.com", True),
        ),
        ([], (None, False)),
    ],
)
async def test_an_unverified_address_is_said_so(
    github: tuple[GitHubLike, GitHubSignIn], expected: tuple[str | None, bool]
) -> None:
    _, provider = github
    account = await provider.account(code="good-code", authorization=AUTHORIZATION)
    assert (account.email, account.email_verified) == expected


async def test_a_refused_code_or_a_wrong_verifier_fails_the_sign_in(
    github: tuple[GitHubLike, GitHubSignIn],
) -> None:
    server, provider = github
    with pytest.raises(ProviderSignInFailed):
        await provider.account(code="stolen-code", authorization=AUTHORIZATION)
    other = Authorization(state="s", nonce="n", code_verifier="w" * 64, callback_url=CALLBACK)
    with pytest.raises(ProviderSignInFailed):
        await provider.account(code="good-code", authorization=other)
    assert server.authorizations == []  # no API call without a token
