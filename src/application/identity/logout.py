"""Logout: end the session the refresh token belongs to (its whole family, and its access
tokens)."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.access_revocations import AccessRevocations
from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.refresh_tokens import TOKEN_TEXT_MAX, digest
from application.shared.ports.clock import Clock


@dataclass(frozen=True, slots=True)
class Logout:
    refresh_token: str


class LogoutHandler:
    """Quietly does nothing for a token it does not know: logging out twice is not an error."""

    def __init__(
        self, uow: IdentityUnitOfWorkFactory, clock: Clock, revocations: AccessRevocations
    ) -> None:
        self._revocations = revocations
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: Logout) -> None:
        if not 0 < len(command.refresh_token) <= TOKEN_TEXT_MAX:
            return
        async with self._uow() as uow:
            token = await uow.refresh_tokens.find(digest(command.refresh_token))
            if token is None:
                return
            now = self._clock.now()
            await uow.sessions.revoke([token.family_id], now)
            await uow.refresh_tokens.revoke_family(token.family_id, now)
            await uow.commit()
        self._revocations.record_sessions([token.family_id], now)
