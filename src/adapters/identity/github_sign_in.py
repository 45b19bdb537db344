"""GitHubSignIn: social sign-in with GitHub's OAuth 2.0 (not OpenID Connect: no ID token).

The person is GitHub's numeric user id (`GET /user`); the email is the primary one if GitHub
marks it verified, else any verified one, else the primary unverified one (`GET /user/emails`,
scope user:email). The code is traded with the PKCE verifier too. The base URLs are settings so
GitHub Enterprise Server works.
"""

from __future__ import annotations

from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError

from adapters.identity.authlib_client import AsyncOAuth2Client
from application.identity.social_ports import (
    Authorization,
    ExternalAccount,
    IdentityProvider,
    ProviderSignInFailed,
)


class GitHubSignIn(IdentityProvider):
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        web_url: str = "https://github.com",
        api_url: str = "https://api.github.com",
        timeout: float = 5.0,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._web = web_url.rstrip("/")
        self._api = api_url.rstrip("/")
        self._timeout = timeout

    async def authorization_url(self, authorization: Authorization) -> str:
        url, _ = self._client(authorization).create_authorization_url(
            f"{self._web}/login/oauth/authorize",
            state=authorization.state,
            code_verifier=authorization.code_verifier,
        )
        return str(url)

    async def account(self, *, code: str, authorization: Authorization) -> ExternalAccount:
        try:
            async with self._client(authorization) as client:
                await client.fetch_token(
                    f"{self._web}/login/oauth/access_token",
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=authorization.code_verifier,
                    headers={"Accept": "application/json"},
                )
                user = await _json(client, f"{self._api}/user")
                emails = await _json(client, f"{self._api}/user/emails")
        except (AuthlibBaseError, httpx.HTTPError, ValueError) as error:
            raise ProviderSignInFailed(f"GitHub refused: {error}") from None
        if not isinstance(user, dict) or not isinstance(user.get("id"), int):
            raise ProviderSignInFailed("GitHub's user has no id")
        email, verified = primary_email(emails if isinstance(emails, list) else [])
        return ExternalAccount(subject=str(user["id"]), email=email, email_verified=verified)

    def _client(self, authorization: Authorization) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self._client_id,
            client_secret=self._client_secret,
            scope="read:user user:email",
            redirect_uri=authorization.callback_url,
            code_challenge_method="S256",
            timeout=self._timeout,
        )


def primary_email(emails: list[Any]) -> tuple[str | None, bool]:
    """The address to use and whether GitHub verified it."""
    entries = [e for e in emails if isinstance(e, dict) and isinstance(e.get("email"), str)]
    verified = [e for e in entries if e.get("verified") is True]
    for chosen in (
        [e for e in verified if e.get("primary") is True],
        verified,
        [e for e in entries if e.get("primary") is True],
    ):
        if chosen:
            return str(chosen[0]["email"]), chosen[0].get("verified") is True
    return None, False


async def _json(client: AsyncOAuth2Client, url: str) -> Any:
    response = await client.get(url, headers={"Accept": "application/vnd.github+json"})
    response.raise_for_status()
    return response.json()
