"""OidcSignIn: social sign-in with any OpenID Connect provider, found by its discovery document.

Authlib's httpx OAuth2 client builds the authorization URL (with the S256 PKCE challenge and the
nonce) and trades the code (with the verifier); the ID token is checked by ProviderTokens
(joserfc: the provider's JWKS, signature, issuer, audience = our client id, expiry), then its
nonce against the one this sign-in sent.
"""

from __future__ import annotations

import hmac
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError

from adapters.identity.authlib_client import AsyncOAuth2Client
from adapters.identity.provider_tokens import ProviderTokens
from application.identity.social_ports import (
    Authorization,
    ExternalAccount,
    IdentityProvider,
    ProviderSignInFailed,
)
from application.shared.ports.clock import Clock
from domain.identity.errors import InvalidToken


class OidcSignIn(IdentityProvider):
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        clock: Clock,
        scopes: str = "openid email profile",
        timeout: float = 5.0,
    ) -> None:
        self._issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._scopes = scopes
        self._timeout = timeout
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._id_tokens = ProviderTokens(
            issuer=issuer, audience=client_id, clock=clock, timeout=timeout, http=self._http
        )
        self._discovery: dict[str, Any] | None = None

    async def authorization_url(self, authorization: Authorization) -> str:
        endpoint = str((await self._discovered())["authorization_endpoint"])
        url, _ = self._client(authorization).create_authorization_url(
            endpoint,
            state=authorization.state,
            code_verifier=authorization.code_verifier,
            nonce=authorization.nonce,
        )
        return str(url)

    async def account(self, *, code: str, authorization: Authorization) -> ExternalAccount:
        token_endpoint = str((await self._discovered())["token_endpoint"])
        try:
            async with self._client(authorization) as client:
                token = await client.fetch_token(
                    token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=authorization.code_verifier,
                )
        except (AuthlibBaseError, httpx.HTTPError, ValueError) as error:
            raise ProviderSignInFailed(f"the token endpoint refused: {error}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderSignInFailed("the provider sent no ID token")
        try:
            claims = await self._id_tokens.verified_claims(id_token)
        except InvalidToken as error:
            raise ProviderSignInFailed(f"the ID token: {error.reason}") from None
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce, authorization.nonce):
            raise ProviderSignInFailed("the ID token's nonce is not this sign-in's")
        subject, email = claims.get("sub"), claims.get("email")
        if not isinstance(subject, str) or not subject:
            raise ProviderSignInFailed("the ID token names nobody (no sub)")
        return ExternalAccount(
            subject=subject,
            email=email if isinstance(email, str) else None,
            email_verified=claims.get("email_verified") is True,
        )

    async def close(self) -> None:
        await self._http.aclose()

    def _client(self, authorization: Authorization) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self._client_id,
            client_secret=self._client_secret,
            scope=self._scopes,
            redirect_uri=authorization.callback_url,
            code_challenge_method="S256",
            timeout=self._timeout,
        )

    async def _discovered(self) -> dict[str, Any]:
        if self._discovery is None:
            url = self._issuer + "/.well-known/openid-configuration"
            try:
                response = await self._http.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError) as error:
                raise ProviderSignInFailed(f"cannot read {url}: {error}") from None
            if str(document.get("issuer", "")).rstrip("/") != self._issuer:
                raise ProviderSignInFailed("the discovery document names another issuer")
            self._discovery = document
        return self._discovery
