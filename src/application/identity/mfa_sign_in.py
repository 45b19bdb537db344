"""The second step of signing in, for accounts with an authenticator (or whose role needs one).

After the right password, `SecondStep` decides: an account with an active authenticator gets a
*challenge* instead of tokens (MfaChallenge); so does an account whose roles require a second
factor (`required_roles`) and that has none yet, with `enrolment_required`: it can do nothing but
enrol (EnrolAtSignIn, then ConfirmEnrolmentAtSignIn, which answers the tokens). A challenge is 256
random bits, kept as a SHA-256 digest among the account tokens (its own purpose), bound to its
user, good for `lifetime`, and spent by the step it opens. Wrong codes count against the
challenge (`max_failures` of them spend it) and against the account (SecondFactorCheck).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.identity.account_tokens import issue_account_token
from application.identity.enrol_second_factor import Enroller
from application.identity.login import pair
from application.identity.mfa_ports import FailureCounter
from application.identity.mfa_views import EnrolledSignIn, Enrolment, MfaChallenge
from application.identity.ports import IdentityUnitOfWorkFactory, TokenIssuer
from application.identity.refresh_tokens import TOKEN_TEXT_MAX, digest
from application.identity.second_factor_check import SecondFactorCheck
from application.identity.sessions import UNKNOWN_DEVICE, Device, start_session
from application.identity.views import TokenPair
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.account_token import AccountToken, TokenPurpose
from domain.identity.mfa_errors import EnrolmentRequired, InvalidChallenge, InvalidSecondFactorCode
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role
from domain.identity.user import User


class SecondStep:
    """The login's hook: a challenge for this account, or None (tokens at once)."""

    def __init__(
        self, ids: IdGenerator, *, lifetime: timedelta, required_roles: Collection[Role] = ()
    ) -> None:
        self._ids = ids
        self._lifetime = lifetime
        self._required = frozenset(required_roles)

    async def challenge(
        self, uow: IdentityUnitOfWork, user: User, now: datetime
    ) -> MfaChallenge | None:
        factor = await uow.second_factors.get(user.id)
        if factor is not None and factor.active:
            purpose = TokenPurpose.MFA_CHALLENGE
        elif user.roles & self._required:
            purpose = TokenPurpose.MFA_ENROLMENT
        else:
            return None
        token = await issue_account_token(
            uow.account_tokens,
            self._ids,
            user_id=user.id,
            purpose=purpose,
            now=now,
            lifetime=self._lifetime,
        )
        return MfaChallenge(
            token=token,
            expires_in=int(self._lifetime.total_seconds()),
            enrolment_required=purpose is TokenPurpose.MFA_ENROLMENT,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteMfaSignIn:
    challenge_token: str
    code: str | None = None
    recovery_code: str | None = None
    device: Device = UNKNOWN_DEVICE


@dataclass(frozen=True, slots=True, kw_only=True)
class EnrolAtSignIn:
    challenge_token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfirmEnrolmentAtSignIn:
    challenge_token: str
    code: str
    device: Device = UNKNOWN_DEVICE


@dataclass(frozen=True, slots=True, kw_only=True)
class ChallengeSteps:
    """What the steps that take a challenge share."""

    uow: IdentityUnitOfWorkFactory
    issuer: TokenIssuer
    clock: Clock
    ids: IdGenerator
    failures: FailureCounter
    refresh_lifetime: timedelta
    max_failures: int  # wrong codes a challenge survives


class _ChallengeStep:
    def __init__(self, steps: ChallengeSteps) -> None:
        self._uow = steps.uow
        self._issuer = steps.issuer
        self._clock = steps.clock
        self._ids = steps.ids
        self._failures = steps.failures
        self._refresh_lifetime = steps.refresh_lifetime
        self._max_failures = steps.max_failures

    async def _challenge(
        self, uow: IdentityUnitOfWork, plain: str, purpose: TokenPurpose, now: datetime
    ) -> tuple[AccountToken, User]:
        """The usable challenge `plain` is, and its (active) user; InvalidChallenge otherwise.
        An enrolment challenge shown where a code is due: EnrolmentRequired."""
        if not plain or len(plain) > TOKEN_TEXT_MAX:
            raise InvalidChallenge()
        found = await uow.account_tokens.find(digest(plain), purpose)
        if found is None and purpose is TokenPurpose.MFA_CHALLENGE:
            enrolment = await uow.account_tokens.find(digest(plain), TokenPurpose.MFA_ENROLMENT)
            if enrolment is not None and enrolment.usable_at(now):
                raise EnrolmentRequired()
        if found is None or not found.usable_at(now):
            raise InvalidChallenge()
        user = await uow.users.get(found.user_id)
        if user is None or not user.active:
            raise InvalidChallenge()
        return found, user

    async def _wrong_code(
        self, uow: IdentityUnitOfWork, challenge: AccountToken, now: datetime
    ) -> None:
        """Count a wrong code against the challenge, and spend it at the last one allowed."""
        key = f"mfa-challenge-failures:{challenge.digest}"
        window = max(1, int((challenge.expires_at - now).total_seconds()) + 1)
        if await self._failures.fail(key, window) >= self._max_failures:
            await uow.account_tokens.use(challenge, now)
            await uow.commit()

    async def _signed_in(
        self,
        uow: IdentityUnitOfWork,
        challenge: AccountToken,
        user: User,
        device: Device,
        now: datetime,
    ) -> tuple[UUID, str]:
        """Spend the challenge (once: of two racing uses one wins) and open the session, as a
        sign-in without a second factor does (LoginHandler)."""
        if not await uow.account_tokens.use(challenge, now):
            raise InvalidChallenge()
        return await start_session(
            uow,
            self._ids,
            user_id=user.id,
            device=device,
            now=now,
            lifetime=self._refresh_lifetime,
        )


class CompleteMfaSignInHandler(_ChallengeStep):
    """The challenge and a code (or a recovery code) for the tokens."""

    def __init__(self, steps: ChallengeSteps, check: SecondFactorCheck) -> None:
        super().__init__(steps)
        self._check = check

    async def __call__(self, command: CompleteMfaSignIn) -> TokenPair:
        now = self._clock.now()
        async with self._uow() as uow:
            challenge, user = await self._challenge(
                uow, command.challenge_token, TokenPurpose.MFA_CHALLENGE, now
            )
            factor = await uow.second_factors.get(user.id)
            if factor is None or not factor.active:
                raise InvalidChallenge()  # disabled since the password step
            try:
                await self._check.verify(
                    factor, code=command.code, recovery_code=command.recovery_code, now=now
                )
            except InvalidSecondFactorCode:
                await self._wrong_code(uow, challenge, now)
                raise
            await uow.second_factors.save(factor)
            session_id, refresh = await self._signed_in(uow, challenge, user, command.device, now)
            await uow.commit()
        return pair(self._issuer, user, refresh, session_id)


class EnrolAtSignInHandler(_ChallengeStep):
    """An enrolment challenge for a new authenticator's secret (the challenge stays usable)."""

    def __init__(self, steps: ChallengeSteps, enroller: Enroller) -> None:
        super().__init__(steps)
        self._enroller = enroller

    async def __call__(self, command: EnrolAtSignIn) -> Enrolment:
        now = self._clock.now()
        async with self._uow() as uow:
            _, user = await self._challenge(
                uow, command.challenge_token, TokenPurpose.MFA_ENROLMENT, now
            )
            enrolment = await self._enroller.start(uow, user, now)
            await uow.commit()
        return enrolment


class ConfirmEnrolmentAtSignInHandler(_ChallengeStep):
    """An enrolment challenge and the new authenticator's first code: the factor is active, and
    the answer holds the tokens and the recovery codes."""

    def __init__(self, steps: ChallengeSteps, enroller: Enroller) -> None:
        super().__init__(steps)
        self._enroller = enroller

    async def __call__(self, command: ConfirmEnrolmentAtSignIn) -> EnrolledSignIn:
        now = self._clock.now()
        async with self._uow() as uow:
            challenge, user = await self._challenge(
                uow, command.challenge_token, TokenPurpose.MFA_ENROLMENT, now
            )
            try:
                codes = await self._enroller.confirm(uow, user, command.code, now)
            except InvalidSecondFactorCode:
                await self._wrong_code(uow, challenge, now)
                raise
            session_id, refresh = await self._signed_in(uow, challenge, user, command.device, now)
            await uow.commit()
        tokens = pair(self._issuer, user, refresh, session_id)
        return EnrolledSignIn(tokens=tokens, recovery_codes=codes)
