"""Attacks on the second factor: each must be refused, and none may yield tokens. Over HTTP
against the real app; codes from pyotp at the app's clock, as an authenticator app shows them."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

from entrypoints.settings import Settings
from tests.support.auth import TEST_PASSWORD
from tests.support.mfa import SECOND_STEP, TOTP, mfa_app

ME = "/api/v1/users/me"
# Seconds of real time the account's failure count lives after its last failure: long enough for
# the test's next sign-ins (a password hash each) on a loaded machine, and waited out below.
LOCKOUT = 10
WAIT = 60.0  # a guard against hanging, never an assertion on speed


def problem(response: object, status: int, kind: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.json()["type"] == f"/problems/{kind}"  # type: ignore[attr-defined]
    assert "access_token" not in response.text  # type: ignore[attr-defined]


async def test_the_second_step_without_a_real_challenge_is_refused(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        code = app.next_code(account.secret)
        missing = await app.client.post(SECOND_STEP, json={"code": code})
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "challenge_token"
        for forged in (secrets.token_urlsafe(32), "x", "a" * 128):
            problem(await app.second_step(forged, code=code), 401, "invalid-mfa-challenge")
        # The password alone is not a challenge either, nor a refresh token.
        problem(await app.second_step(TEST_PASSWORD, code=code), 401, "invalid-mfa-challenge")


async def test_a_spent_challenge_is_refused(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        token = await app.challenge(account.email)
        assert (await app.second_step(token, code=app.next_code(account.secret))).status_code == 200
        replay = await app.second_step(token, code=app.next_code(account.secret))
        problem(replay, 401, "invalid-mfa-challenge")


async def test_an_expired_challenge_is_refused(settings: Settings) -> None:
    async with mfa_app(settings, challenge_ttl=60) as app:
        account = await app.enrolled_user()
        token = await app.challenge(account.email)
        app.clock.advance(timedelta(seconds=61))
        problem(
            await app.second_step(token, code=app.code(account.secret)),
            401,
            "invalid-mfa-challenge",
        )


async def test_a_challenge_is_bound_to_its_user(settings: Settings) -> None:
    """The attacker knows the victim's password (phished) and has their own authenticator: their
    code does not finish the victim's sign-in, nor the victim's code theirs."""
    async with mfa_app(settings) as app:
        victim, attacker = await app.enrolled_user(), await app.enrolled_user()
        victims_challenge = await app.challenge(victim.email)
        stolen = await app.second_step(victims_challenge, code=app.next_code(attacker.secret))
        problem(stolen, 422, "invalid-second-factor-code")
        stolen_recovery = await app.second_step(
            victims_challenge, recovery_code=attacker.recovery_codes[0]
        )
        problem(stolen_recovery, 422, "invalid-second-factor-code")
        # The right code finishes it, as the victim: the token names the victim.
        done = await app.second_step(victims_challenge, code=app.next_code(victim.secret))
        assert done.status_code == 200
        me = await app.client.get(
            ME, headers={"Authorization": f"Bearer {done.json()['access_token']}"}
        )
        assert me.json()["id"] == victim.user_id


async def test_the_challenge_is_no_bearer_token(settings: Settings) -> None:
    async with mfa_app(settings, required_roles="admin") as app:
        account = await app.enrolled_user()
        admin = await app.login_as_new("admin")
        for token in (await app.challenge(account.email), admin):
            headers = {"Authorization": f"Bearer {token}"}
            problem(await app.client.get(ME, headers=headers), 401, "invalid-token")
            problem(await app.client.get("/api/v1/users", headers=headers), 401, "invalid-token")
            refresh = await app.client.post("/api/v1/auth/refresh", json={"refresh_token": token})
            problem(refresh, 401, "invalid-refresh-token")


async def test_an_enrolment_challenge_gives_no_tokens_without_enrolling(
    settings: Settings,
) -> None:
    async with mfa_app(settings, required_roles="admin") as app:
        token = await app.login_as_new("admin")
        problem(await app.second_step(token, code="123456"), 403, "mfa-enrolment-required")
        problem(
            await app.second_step(token, recovery_code="abcd-efgh"), 403, "mfa-enrolment-required"
        )
        # A sign-in challenge is not an enrolment challenge either.
        account = await app.enrolled_user()
        sign_in = await app.challenge(account.email)
        wrong_kind = await app.client.post(
            SECOND_STEP + "/enrolment", json={"challenge_token": sign_in}
        )
        problem(wrong_kind, 401, "invalid-mfa-challenge")


async def test_a_recovery_code_works_once(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        code = account.recovery_codes[4]
        first = await app.second_step(await app.challenge(account.email), recovery_code=code)
        assert first.status_code == 200
        reused = await app.second_step(await app.challenge(account.email), recovery_code=code)
        problem(reused, 422, "invalid-second-factor-code")
        disable = await app.client.post(
            TOTP + "/disable",
            json={"password": TEST_PASSWORD, "recovery_code": code},
            headers=account.headers,
        )
        problem(disable, 422, "invalid-second-factor-code")


async def test_an_accepted_code_cannot_be_replayed_within_its_window(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        code = app.next_code(account.secret)
        assert (
            await app.second_step(await app.challenge(account.email), code=code)
        ).status_code == 200
        # Same code, same 30 seconds (and the drift window after): refused, and so is the one
        # before it, which the authenticator showed earlier.
        replay = await app.second_step(await app.challenge(account.email), code=code)
        problem(replay, 422, "invalid-second-factor-code")
        app.clock.advance(timedelta(seconds=20))
        again = await app.second_step(await app.challenge(account.email), code=code)
        problem(again, 422, "invalid-second-factor-code")
        # The confirmation's code cannot sign in either, nor be the one that disables.
        disable = await app.client.post(
            TOTP + "/disable",
            json={"password": TEST_PASSWORD, "code": code},
            headers=account.headers,
        )
        problem(disable, 422, "invalid-second-factor-code")


async def test_two_sign_ins_racing_with_one_code_let_at_most_one_in(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        first, second = await app.challenge(account.email), await app.challenge(account.email)
        code = app.next_code(account.secret)
        answers = await asyncio.gather(
            app.second_step(first, code=code), app.second_step(second, code=code)
        )
        assert sorted(a.status_code for a in answers)[0] == 200
        assert sum(a.status_code == 200 for a in answers) == 1


async def test_wrong_codes_kill_the_challenge(settings: Settings) -> None:
    async with mfa_app(settings, failures_per_challenge=3, failures_per_account=10) as app:
        account = await app.enrolled_user()
        token = await app.challenge(account.email)
        right = app.next_code(account.secret)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        for _ in range(3):
            problem(await app.second_step(token, code=wrong), 422, "invalid-second-factor-code")
        problem(await app.second_step(token, code=right), 401, "invalid-mfa-challenge")
        # A new sign-in (the password again) is the way on.
        assert (
            await app.second_step(await app.challenge(account.email), code=right)
        ).status_code == 200


async def test_wrong_codes_across_challenges_lock_the_account_codes(settings: Settings) -> None:
    async with mfa_app(
        settings, failures_per_challenge=2, failures_per_account=4, lockout_seconds=LOCKOUT
    ) as app:
        account, bystander = await app.enrolled_user(), await app.enrolled_user()
        for _ in range(2):  # two challenges, two wrong codes each
            token = await app.challenge(account.email)
            for wrong in ("000000", "999999"):
                await app.second_step(token, code=wrong)
        locked = await app.second_step(
            await app.challenge(account.email), code=app.next_code(account.secret)
        )
        problem(locked, 429, "too-many-attempts")
        assert int(locked.headers["retry-after"]) >= 1
        recovery = await app.second_step(
            await app.challenge(account.email), recovery_code=account.recovery_codes[0]
        )
        problem(recovery, 429, "too-many-attempts")
        # Only that account: others sign in as usual.
        other = await app.second_step(
            await app.challenge(bystander.email), code=app.code(bystander.secret)
        )
        assert other.status_code == 200
        # The lockout ends (the counts use real time); a refused right code does not count.
        async with asyncio.timeout(LOCKOUT + WAIT):
            while True:
                later = await app.second_step(
                    await app.challenge(account.email), code=app.next_code(account.secret)
                )
                if later.status_code != 429:
                    break
                await asyncio.sleep(0.5)
        assert later.status_code == 200, later.text


async def test_disabling_needs_the_password_and_a_current_code(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        disable = TOTP + "/disable"
        no_code = await app.client.post(
            disable, json={"password": TEST_PASSWORD}, headers=account.headers
        )
        assert no_code.status_code == 422
        assert no_code.json()["errors"][0]["field"] == "code"
        wrong_code = await app.client.post(
            disable, json={"password": TEST_PASSWORD, "code": "000000"}, headers=account.headers
        )
        problem(wrong_code, 422, "invalid-second-factor-code")
        stolen_token_only = await app.client.post(
            disable,
            json={"password": "guessing the password", "code": app.next_code(account.secret)},
            headers=account.headers,
        )
        problem(stolen_token_only, 401, "invalid-credentials")
        anonymous = await app.client.post(
            disable, json={"password": TEST_PASSWORD, "code": app.next_code(account.secret)}
        )
        assert anonymous.status_code == 401
        # Still active: sign-in asks for a code.
        assert (await app.login(account.email)).status_code == 202
        renew = await app.client.post(
            "/api/v1/users/me/mfa/recovery-codes", json={}, headers=account.headers
        )
        assert renew.status_code == 422


async def test_odd_codes_are_wrong_codes_not_errors(settings: Settings) -> None:
    async with mfa_app(settings, failures_per_challenge=10, failures_per_account=10) as app:
        account = await app.enrolled_user()
        token = await app.challenge(account.email)
        for odd in (
            "\uff11\uff12\uff13\uff14\uff15\uff16",
            "12 34 5",
            "-12345",
            "1e5678",
            "\x00" * 6,
        ):
            problem(await app.second_step(token, code=odd), 422, "invalid-second-factor-code")
