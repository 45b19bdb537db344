"""Authenticate: the principal an access token proves, checked without any I/O for local tokens."""

from __future__ import annotations

from application.identity.access_revocations import AccessRevocations
from application.identity.ports import TokenVerifier
from domain.identity.errors import InvalidToken
from domain.identity.principal import Principal


class AuthenticateHandler:
    def __init__(self, verifier: TokenVerifier, revocations: AccessRevocations) -> None:
        self._verifier = verifier
        self._revocations = revocations

    async def __call__(self, token: str) -> Principal:
        principal = await self._verifier.verify(token)
        if not self._revocations.allows(principal):
            raise InvalidToken("issued before the user's access changed")
        return principal
