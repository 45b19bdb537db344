"""Refresh: trade a refresh token for a new access token and a new refresh token (rotation).

A refresh token works once. Presenting one that was already used revokes its whole family (the
session): either it was stolen, or the thief already used it; both must sign in again. A use
moves the session's last use and expiry on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.identity.access_revocations import AccessRevocations
from application.identity.login import pair
from application.identity.ports import IdentityUnitOfWorkFactory, TokenIssuer
from application.identity.refresh_tokens import TOKEN_TEXT_MAX, digest, issue_refresh_token
from application.identity.sessions import UNKNOWN_DEVICE, Device, start_session
from application.identity.views import TokenPair
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.errors import InvalidRefreshToken
from domain.identity.repository import IdentityUnitOfWork
from domain.shared.errors import ConcurrentUpdate


@dataclass(frozen=True, slots=True)
class Refresh:
    refresh_token: str
    device: Device = UNKNOWN_DEVICE


class RefreshHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        issuer: TokenIssuer,
        clock: Clock,
        ids: IdGenerator,
        refresh_lifetime: timedelta,
        revocations: AccessRevocations,
    ) -> None:
        self._revocations = revocations
        self._uow = uow
        self._issuer = issuer
        self._clock = clock
        self._ids = ids
        self._refresh_lifetime = refresh_lifetime

    async def __call__(self, command: Refresh) -> TokenPair:
        if not 0 < len(command.refresh_token) <= TOKEN_TEXT_MAX:
            raise InvalidRefreshToken()
        try:
            return await self._rotate(command.refresh_token, command.device)
        except ConcurrentUpdate:  # another request used the same token at the same moment
            raise InvalidRefreshToken() from None

    async def _rotate(self, refresh_token: str, device: Device) -> TokenPair:
        now = self._clock.now()
        async with self._uow() as uow:
            token = await uow.refresh_tokens.find(digest(refresh_token))
            if token is None or token.revoked_at is not None or now >= token.expires_at:
                raise InvalidRefreshToken()
            if token.used_at is not None or not await uow.refresh_tokens.use(token, now):
                await self._end(uow, token.family_id, now)
                raise InvalidRefreshToken()
            user = await uow.users.get(token.user_id)
            if user is None or not user.active:
                await self._end(uow, token.family_id, now)
                raise InvalidRefreshToken()
            session = await uow.sessions.get(token.family_id)
            if session is not None and session.revoked_at is not None:  # ended meanwhile
                await self._end(uow, token.family_id, now)
                raise InvalidRefreshToken()
            if session is None:  # signed in before sessions were recorded
                _, new_token = await start_session(
                    uow,
                    self._ids,
                    user_id=user.id,
                    device=device,
                    now=now,
                    lifetime=self._refresh_lifetime,
                    session_id=token.family_id,
                )
            else:
                new_token = await issue_refresh_token(
                    uow.refresh_tokens,
                    self._ids,
                    user_id=user.id,
                    family_id=token.family_id,
                    now=now,
                    lifetime=self._refresh_lifetime,
                )
                await uow.sessions.touch(
                    token.family_id, at=now, expires_at=now + self._refresh_lifetime
                )
            await uow.commit()
        return pair(self._issuer, user, new_token, token.family_id)

    async def _end(self, uow: IdentityUnitOfWork, session_id: UUID, now: datetime) -> None:
        """A stolen token or a gone user: the session ends, its access tokens with it."""
        await uow.sessions.revoke([session_id], now)
        await uow.refresh_tokens.revoke_family(session_id, now)
        await uow.commit()
        self._revocations.record_sessions([session_id], now)
