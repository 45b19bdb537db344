"""Enrolling an authenticator (TOTP): start (a new secret, shown once), then confirm with a code.

Starting asks for the password again: a stolen access token alone cannot add a factor. A
factor not confirmed yet is replaced by a new start (its secret may never have been read); an
active one must be disabled first. Confirming with a right code makes it active and answers the
ten recovery codes, shown once. `Enroller` is the work itself, shared with the sign-in of an
account whose role requires a second factor (mfa_sign_in.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.identity.mfa_views import Enrolment
from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.identity.second_factor_check import SecondFactorCheck
from application.shared.ports.clock import Clock
from domain.identity.errors import InvalidCredentials, UserNotFound
from domain.identity.mfa_errors import SecondFactorState
from domain.identity.principal import Principal
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.second_factor import SecondFactor
from domain.identity.user import User


class Enroller:
    def __init__(self, check: SecondFactorCheck) -> None:
        self._check = check

    async def start(self, uow: IdentityUnitOfWork, user: User, now: datetime) -> Enrolment:
        factor = await uow.second_factors.get(user.id)
        if factor is not None and factor.active:
            raise SecondFactorState("the authenticator is already active; disable it first")
        secret = self._check.authenticator.new_secret()
        sealed = self._check.secrets.seal(secret, user.id)
        if factor is None:
            factor = SecondFactor.enrol(user_id=user.id, sealed_secret=sealed, now=now)
        else:
            factor.restart_enrolment(sealed_secret=sealed, now=now)
        await uow.second_factors.save(factor)
        uri = self._check.authenticator.enrolment_uri(secret, account=user.email)
        return Enrolment(secret=secret, uri=uri)

    async def confirm(
        self, uow: IdentityUnitOfWork, user: User, code: str, now: datetime
    ) -> tuple[str, ...]:
        """Activate the pending factor with a right code; its recovery codes, in the clear."""
        factor = await uow.second_factors.get(user.id)
        if factor is None or factor.active:
            raise SecondFactorState("no enrolment to confirm: start one first")
        step = await self._check.step_of(factor, code, now)
        codes, digests = self._check.new_recovery_codes()
        factor.confirm(step=step, recovery_digests=digests, now=now)
        await uow.second_factors.save(factor)
        return codes


@dataclass(frozen=True, slots=True, kw_only=True)
class StartEnrolment:
    requester: Principal
    password: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfirmEnrolment:
    requester: Principal
    code: str


class _ForSignedInUser:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        enroller: Enroller,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._enroller = enroller
        self._clock = clock

    @staticmethod
    async def _user(uow: IdentityUnitOfWork, requester: Principal) -> User:
        user_id = requester.user_id
        user = None if user_id is None else await uow.users.get(user_id)
        if user is None:
            raise UserNotFound(requester.subject)
        return user


class StartEnrolmentHandler(_ForSignedInUser):
    async def __call__(self, command: StartEnrolment) -> Enrolment:
        async with self._uow() as uow:
            user = await self._user(uow, command.requester)
            if not await self._hasher.verify(user.password_hash, command.password):
                raise InvalidCredentials()
            enrolment = await self._enroller.start(uow, user, self._clock.now())
            await uow.commit()
        return enrolment


class ConfirmEnrolmentHandler(_ForSignedInUser):
    async def __call__(self, command: ConfirmEnrolment) -> tuple[str, ...]:
        async with self._uow() as uow:
            user = await self._user(uow, command.requester)
            codes = await self._enroller.confirm(uow, user, command.code, self._clock.now())
            await uow.commit()
        return codes
