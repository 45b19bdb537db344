"""OidcTokenVerifier (PORTICO_AUTH=oidc): an external OpenID Connect provider's access tokens are
the ones we accept, checked against its JWKS (provider_tokens.py); its roles claim gives our roles.
"""

from __future__ import annotations

from adapters.identity.claims import claim_at, principal_of
from adapters.identity.provider_tokens import ProviderTokens
from application.identity.ports import TokenVerifier
from domain.identity.principal import Principal


class OidcTokenVerifier(TokenVerifier):
    def __init__(self, tokens: ProviderTokens, *, roles_claim: str = "roles") -> None:
        self._tokens = tokens
        self._roles_claim = roles_claim

    async def verify(self, token: str) -> Principal:
        claims = await self._tokens.verified_claims(token)
        return principal_of(claims, claim_at(claims, self._roles_claim))

    async def close(self) -> None:
        await self._tokens.close()
