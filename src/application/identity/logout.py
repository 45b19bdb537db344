"""Logout: end the session the refresh token belongs to (its whole family)."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.refresh_tokens import TOKEN_TEXT_MAX, digest
from application.shared.ports.clock import Clock


@dataclass(frozen=True, slots=True)
class Logout:
    refresh_token: str


class LogoutHandler:
    """Quietly does nothing for a token it does not know: logging out twice is not an error."""

    def __init__(self, uow: IdentityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: Logout) -> None:
        if not 0 < len(command.refresh_token) <= TOKEN_TEXT_MAX:
            return
        async with self._uow() as uow:
            token = await uow.refresh_tokens.find(digest(command.refresh_token))
            if token is None:
                return
            await uow.refresh_tokens.revoke_family(token.family_id, self._clock.now())
            await uow.commit()
