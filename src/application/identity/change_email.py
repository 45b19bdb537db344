"""ChangeEmail: the holder gives their account a new address, with their password (and a code
when a second factor is on). The new address is the account's at once, unverified: the account
mail sends its verification link there and tells the previous address (User.change_email)."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.identity.second_factor_check import SecondFactorCheck
from application.identity.views import UserView
from application.shared.ports.clock import Clock
from domain.identity.email import normalize_email
from domain.identity.errors import EmailTaken, InvalidCredentials, UserNotFound
from domain.identity.password_policy import PASSWORD_MAX
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeEmail:
    requester: Principal
    password: str
    new_email: str
    code: str | None = None
    recovery_code: str | None = None


class ChangeEmailHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        check: SecondFactorCheck,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._check = check

    async def __call__(self, command: ChangeEmail) -> UserView:
        user_id = command.requester.user_id
        if user_id is None:  # a principal from an external provider: no account here
            raise UserNotFound(command.requester.subject)
        email = normalize_email(command.new_email, field="new_email")
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None or user.erased:
                raise UserNotFound(user_id)
            password = command.password[: PASSWORD_MAX + 1]
            if not await self._hasher.verify(user.password_hash, password):
                raise InvalidCredentials()
            now = self._clock.now()
            await self._check.verify_if_on(
                await uow.second_factors.get(user.id),
                code=command.code,
                recovery_code=command.recovery_code,
                now=now,
            )
            # Only to the holder, after the password: the sign-in budget bounds the asking.
            if await uow.users.get_by_email(email) is not None and email != user.email:
                raise EmailTaken()
            user.change_email(email, now)
            await uow.users.update(user)
            await uow.commit()
        return UserView.of(user)
