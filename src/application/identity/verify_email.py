"""VerifyEmail: the mailed verification token proves the account's address. Works once."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.account_tokens import usable_token
from application.identity.ports import IdentityUnitOfWorkFactory
from application.shared.ports.clock import Clock
from domain.identity.account_token import TokenPurpose
from domain.identity.errors import InvalidAccountToken


@dataclass(frozen=True, slots=True)
class VerifyEmail:
    token: str


class VerifyEmailHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: VerifyEmail) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            token = await usable_token(
                uow.account_tokens, command.token, TokenPurpose.VERIFY_EMAIL, now
            )
            user = await uow.users.get(token.user_id)
            if user is None or not user.active or not await uow.account_tokens.use(token, now):
                raise InvalidAccountToken()
            user.verify_email(now)
            await uow.users.update(user)
            await uow.commit()
