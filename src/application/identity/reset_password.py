"""ResetPassword: a mailed reset token and a new password. The token works once; the password
passes the same policy as at sign-up; every session and token of the account ends."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.access_revocations import AccessRevocations
from application.identity.account_tokens import usable_token
from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.identity.sessions import end_sessions
from application.shared.ports.clock import Clock
from domain.identity.account_token import TokenPurpose
from domain.identity.errors import InvalidAccountToken
from domain.identity.password_policy import check_password


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetPassword:
    token: str
    new_password: str


class ResetPasswordHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        revocations: AccessRevocations,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._revocations = revocations

    async def __call__(self, command: ResetPassword) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            token = await usable_token(
                uow.account_tokens, command.token, TokenPurpose.RESET_PASSWORD, now
            )
            user = await uow.users.get(token.user_id)
            if user is None or not user.active:
                raise InvalidAccountToken()
            # The policy first: a refused password leaves the link usable for a better one.
            check_password(command.new_password, email=user.email, field="new_password")
            if not await uow.account_tokens.use(token, now):
                raise InvalidAccountToken()  # used meanwhile
            user.reset_password(
                password_hash=await self._hasher.hash(command.new_password), now=now
            )
            await uow.users.update(user)
            ended = await end_sessions(uow, user.id, now)
            await uow.commit()
        self._revocations.record(user.id, user.access_version, now)
        self._revocations.record_sessions(ended, now)
