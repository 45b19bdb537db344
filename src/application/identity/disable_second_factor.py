"""Disabling the authenticator (password and a current code or recovery code), and renewing the
recovery codes (a current code or recovery code): what someone holding only a stolen access token,
or only the password, cannot do."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.identity.second_factor_check import SecondFactorCheck
from application.shared.ports.clock import Clock
from domain.identity.errors import InvalidCredentials, UserNotFound
from domain.identity.mfa_errors import SecondFactorState
from domain.identity.principal import Principal
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.second_factor import SecondFactor


@dataclass(frozen=True, slots=True, kw_only=True)
class DisableSecondFactor:
    requester: Principal
    password: str
    code: str | None = None
    recovery_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewRecoveryCodes:
    requester: Principal
    code: str | None = None
    recovery_code: str | None = None


class _OwnFactor:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        check: SecondFactorCheck,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._check = check
        self._clock = clock

    @staticmethod
    async def _active_factor(uow: IdentityUnitOfWork, requester: Principal) -> SecondFactor:
        user_id = requester.user_id
        factor = None if user_id is None else await uow.second_factors.get(user_id)
        if factor is None or not factor.active:
            raise SecondFactorState("no active authenticator")
        return factor


class DisableSecondFactorHandler(_OwnFactor):
    async def __call__(self, command: DisableSecondFactor) -> None:
        user_id = command.requester.user_id
        async with self._uow() as uow:
            user = None if user_id is None else await uow.users.get(user_id)
            if user is None:
                raise UserNotFound(command.requester.subject)
            if not await self._hasher.verify(user.password_hash, command.password):
                raise InvalidCredentials()
            factor = await self._active_factor(uow, command.requester)
            now = self._clock.now()
            await self._check.verify(
                factor, code=command.code, recovery_code=command.recovery_code, now=now
            )
            factor.disable(now)
            await uow.second_factors.remove(factor)
            await uow.commit()


class RenewRecoveryCodesHandler(_OwnFactor):
    async def __call__(self, command: RenewRecoveryCodes) -> tuple[str, ...]:
        async with self._uow() as uow:
            factor = await self._active_factor(uow, command.requester)
            now = self._clock.now()
            await self._check.verify(
                factor, code=command.code, recovery_code=command.recovery_code, now=now
            )
            codes, digests = self._check.new_recovery_codes()
            factor.renew_recovery_codes(digests, now)
            await uow.second_factors.save(factor)
            await uow.commit()
        return codes
