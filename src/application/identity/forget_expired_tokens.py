"""Housekeeping: forget refresh tokens, sessions and mailed tokens that expired (refused anyway)."""

from __future__ import annotations

from datetime import datetime

from application.identity.ports import IdentityUnitOfWorkFactory


class ForgetExpiredTokensHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, expired_before: datetime) -> int:
        async with self._uow() as uow:
            count = await uow.refresh_tokens.purge_expired(expired_before)
            count += await uow.sessions.purge_expired(expired_before)
            await uow.commit()
        return count


class ForgetExpiredAccountTokensHandler:
    """Housekeeping: forget mailed tokens (verification, reset) that expired."""

    def __init__(self, uow: IdentityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, expired_before: datetime) -> int:
        async with self._uow() as uow:
            count = await uow.account_tokens.purge_expired(expired_before)
            await uow.commit()
        return count
