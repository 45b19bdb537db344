"""The second factor's use cases against the in-memory adapters, with a clock the test moves:
the login's challenge, the second step, enrolment, and the counts of wrong codes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pyotp
import pytest

from adapters.identity.factor_secrets import AesGcmFactorSecrets
from adapters.identity.totp import PyotpAuthenticator
from application.identity.change_user_access import ChangeUserAccess
from application.identity.disable_second_factor import (
    DisableSecondFactor,
    DisableSecondFactorHandler,
)
from application.identity.enrol_second_factor import (
    ConfirmEnrolment,
    ConfirmEnrolmentHandler,
    Enroller,
    StartEnrolment,
    StartEnrolmentHandler,
)
from application.identity.login import Login, LoginHandler
from application.identity.mfa_sign_in import (
    ChallengeSteps,
    CompleteMfaSignIn,
    CompleteMfaSignInHandler,
    SecondStep,
)
from application.identity.mfa_views import MfaChallenge
from application.identity.second_factor_check import SecondFactorCheck
from application.identity.views import TokenPair
from domain.identity.errors import TooManyAttempts
from domain.identity.mfa_errors import InvalidChallenge, InvalidSecondFactorCode
from domain.identity.roles import Role
from entrypoints.http.security.rate_limit_store import MemoryRateLimitStore
from entrypoints.identity.failure_counter import StoreFailureCounter
from tests.application.identity.test_identity_use_cases import (
    PASSWORD,
    REFRESH_LIFETIME,
    World,
    admin,
    holder,
)

TTL = timedelta(minutes=5)


def second_factor_check() -> SecondFactorCheck:
    """The check the app builds, on in-memory counters."""
    return SecondFactorCheck(
        PyotpAuthenticator(issuer="Portico"),
        AesGcmFactorSecrets("a test key of at least 32 characters"),
        StoreFailureCounter(MemoryRateLimitStore()),
        max_failures=5,
        lockout_seconds=60,
    )


class MfaWorld(World):
    def __init__(self, tmp_path: Path, *, required: frozenset[Role] = frozenset()) -> None:
        super().__init__(tmp_path)
        self.check = second_factor_check()
        self.enroller = Enroller(self.check)
        self.second_step = SecondStep(self.ids, lifetime=TTL, required_roles=required)
        steps = ChallengeSteps(
            uow=self.uow,
            issuer=self.issuer,
            clock=self.clock,
            ids=self.ids,
            failures=StoreFailureCounter(MemoryRateLimitStore()),
            refresh_lifetime=REFRESH_LIFETIME,
            max_failures=3,
        )
        self.complete = CompleteMfaSignInHandler(steps, self.check)

    def mfa_login(self) -> LoginHandler:
        return LoginHandler(
            self.uow,
            self.hasher,
            self.issuer,
            self.clock,
            self.ids,
            REFRESH_LIFETIME,
            second_step=self.second_step,
        )

    def code(self, secret: str, steps_later: int = 0) -> str:
        self.clock.advance(timedelta(seconds=30 * steps_later))
        return pyotp.TOTP(secret).at(self.clock.now())

    async def enrol(self, user_id: UUID) -> tuple[str, tuple[str, ...]]:
        who = holder(user_id, 1)
        start = StartEnrolmentHandler(self.uow, self.hasher, self.enroller, self.clock)
        confirm = ConfirmEnrolmentHandler(self.uow, self.hasher, self.enroller, self.clock)
        secret = (await start(StartEnrolment(requester=who, password=PASSWORD))).secret
        codes = await confirm(ConfirmEnrolment(requester=who, code=self.code(secret)))
        return secret, codes

    async def challenge(self) -> MfaChallenge:
        answer = await self.mfa_login()(Login(email="ada@example.com", password=PASSWORD))
        assert isinstance(answer, MfaChallenge)
        return answer


@pytest.fixture
def mfa(tmp_path: Path) -> MfaWorld:
    return MfaWorld(tmp_path)


async def refresh_tokens_of(world: World, user_id: UUID) -> int:
    async with world.uow(read_only=True) as uow:
        return sum(t.user_id == user_id for t in uow._store.tokens.values())  # type: ignore[attr-defined]


async def test_without_a_factor_login_answers_tokens(mfa: MfaWorld) -> None:
    await mfa.register()
    answer = await mfa.mfa_login()(Login(email="ada@example.com", password=PASSWORD))
    assert isinstance(answer, TokenPair)


async def test_with_a_factor_login_opens_no_session_until_the_code(mfa: MfaWorld) -> None:
    user_id = await mfa.register()
    secret, _ = await mfa.enrol(user_id)
    challenge = await mfa.challenge()
    assert (challenge.expires_in, challenge.enrolment_required) == (300, False)
    assert await refresh_tokens_of(mfa, user_id) == 0

    pair = await mfa.complete(
        CompleteMfaSignIn(challenge_token=challenge.token, code=mfa.code(secret, 1))
    )
    assert pair.access_token
    assert pair.refresh_token
    assert await refresh_tokens_of(mfa, user_id) == 1


async def test_a_factor_disabled_or_an_account_deactivated_since_the_password_ends_the_challenge(
    mfa: MfaWorld,
) -> None:
    user_id = await mfa.register()
    secret, codes = await mfa.enrol(user_id)
    challenge = await mfa.challenge()
    disable = DisableSecondFactorHandler(mfa.uow, mfa.hasher, mfa.check, mfa.clock)
    await disable(
        DisableSecondFactor(requester=holder(user_id, 1), password=PASSWORD, recovery_code=codes[0])
    )
    with pytest.raises(InvalidChallenge):
        await mfa.complete(
            CompleteMfaSignIn(challenge_token=challenge.token, code=mfa.code(secret, 1))
        )

    secret, _ = await mfa.enrol(user_id)
    challenge = await mfa.challenge()
    await mfa.change_access()(ChangeUserAccess(requester=admin(), user_id=user_id, active=False))
    with pytest.raises(InvalidChallenge):
        await mfa.complete(
            CompleteMfaSignIn(challenge_token=challenge.token, code=mfa.code(secret, 1))
        )


async def test_wrong_codes_are_counted_per_account_across_challenges(mfa: MfaWorld) -> None:
    user_id = await mfa.register()
    secret, _ = await mfa.enrol(user_id)
    for _ in range(5):  # five challenges, one wrong code each: none killed, the account locked
        challenge = await mfa.challenge()
        with pytest.raises(InvalidSecondFactorCode):
            await mfa.complete(CompleteMfaSignIn(challenge_token=challenge.token, code="000000"))
    challenge = await mfa.challenge()
    with pytest.raises(TooManyAttempts):
        await mfa.complete(
            CompleteMfaSignIn(challenge_token=challenge.token, code=mfa.code(secret, 1))
        )


async def test_a_required_role_gets_an_enrolment_challenge(tmp_path: Path) -> None:
    world = MfaWorld(tmp_path, required=frozenset({Role.STAFF}))
    await world.register("ada@example.com", Role.STAFF)
    challenge = await world.challenge()
    assert challenge.enrolment_required is True
    await world.register("bob@example.com", Role.CUSTOMER)
    answer = await world.mfa_login()(Login(email="bob@example.com", password=PASSWORD))
    assert isinstance(answer, TokenPair)


async def test_after_a_key_change_codes_are_wrong_not_errors(mfa: MfaWorld) -> None:
    user_id = await mfa.register()
    secret, _ = await mfa.enrol(user_id)
    challenge = await mfa.challenge()
    mfa.check.secrets = AesGcmFactorSecrets("another key of at least 32 characters")
    with pytest.raises(InvalidSecondFactorCode):
        await mfa.complete(
            CompleteMfaSignIn(challenge_token=challenge.token, code=mfa.code(secret, 1))
        )
