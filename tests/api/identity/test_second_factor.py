"""The second factor (TOTP) over HTTP: enrol, confirm, sign in in two steps, recovery codes,
renew them, disable; and an administrator role that requires it. Codes come from pyotp, as an
authenticator app would show them, at the app's clock (moved by the test)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import msgspec
import pytest

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings, SettingsError, load_settings
from entrypoints.settings.groups import MfaSettings
from tests.support.auth import TEST_PASSWORD, bearer, create_user
from tests.support.mfa import SECOND_STEP, TOTP, mfa_app

ME = "/api/v1/users/me"


async def test_enrol_confirm_then_sign_in_with_a_code(settings: Settings) -> None:
    async with mfa_app(settings, issuer="Acme Shop") as app:
        user_id = await create_user(app.container, email="ada@example.com")
        headers = bearer(app.container, user_id, "customer")
        started = await app.client.post(TOTP, json={"password": TEST_PASSWORD}, headers=headers)
        assert started.status_code == 200, started.text
        enrolment = started.json()
        uri = urlparse(enrolment["otpauth_uri"])
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert uri.path == "/Acme%20Shop:ada%40example.com"
        assert parse_qs(uri.query) == {"secret": [enrolment["secret"]], "issuer": ["Acme Shop"]}

        # Until it is confirmed, sign-in is the password alone.
        assert (await app.login("ada@example.com")).status_code == 200
        wrong = await app.client.post(TOTP + "/confirm", json={"code": "000000"}, headers=headers)
        assert wrong.status_code == 422
        assert wrong.json()["type"] == "/problems/invalid-second-factor-code"
        assert wrong.json()["errors"][0]["field"] == "code"
        confirmed = await app.client.post(
            TOTP + "/confirm", json={"code": app.code(enrolment["secret"])}, headers=headers
        )
        assert confirmed.status_code == 200, confirmed.text
        codes = confirmed.json()["recovery_codes"]
        assert len(codes) == len(set(codes)) == 10
        assert all(len(code) == 19 and code.count("-") == 3 for code in codes)

        first = await app.login("ada@example.com")
        assert first.status_code == 202
        body = first.json()
        assert set(body) == {"mfa_required", "enrolment_required", "challenge_token", "expires_in"}
        assert (body["mfa_required"], body["enrolment_required"], body["expires_in"]) == (
            True,
            False,
            300,
        )
        signed_in = await app.second_step(
            body["challenge_token"], code=app.next_code(enrolment["secret"])
        )
        assert signed_in.status_code == 200, signed_in.text
        tokens = signed_in.json()
        assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
        me = await app.client.get(ME, headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert (me.status_code, me.json()["id"]) == (200, user_id)


async def test_a_recovery_code_signs_in_once_however_it_is_typed(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        typed = account.recovery_codes[0].replace("-", "").upper()
        used = await app.second_step(await app.challenge(account.email), recovery_code=typed)
        assert used.status_code == 200, used.text
        again = await app.second_step(
            await app.challenge(account.email), recovery_code=account.recovery_codes[0]
        )
        assert again.status_code == 422
        assert again.json()["errors"][0]["field"] == "recovery_code"
        other = await app.second_step(
            await app.challenge(account.email), recovery_code=account.recovery_codes[1]
        )
        assert other.status_code == 200


async def test_renewed_recovery_codes_replace_the_old_ones(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        renewed = await app.client.post(
            "/api/v1/users/me/mfa/recovery-codes",
            json={"code": app.next_code(account.secret)},
            headers=account.headers,
        )
        assert renewed.status_code == 200, renewed.text
        fresh = renewed.json()["recovery_codes"]
        assert len(fresh) == 10
        assert not set(fresh) & set(account.recovery_codes)
        old = await app.second_step(
            await app.challenge(account.email), recovery_code=account.recovery_codes[0]
        )
        assert old.status_code == 422
        new = await app.second_step(await app.challenge(account.email), recovery_code=fresh[0])
        assert new.status_code == 200


async def test_disable_with_password_and_code_returns_to_the_password_alone(
    settings: Settings,
) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        disabled = await app.client.post(
            TOTP + "/disable",
            json={"password": TEST_PASSWORD, "code": app.next_code(account.secret)},
            headers=account.headers,
        )
        assert disabled.status_code == 204, disabled.text
        assert (await app.login(account.email)).status_code == 200
        again = await app.client.post(
            TOTP + "/disable",
            json={"password": TEST_PASSWORD, "code": app.next_code(account.secret)},
            headers=account.headers,
        )
        assert again.status_code == 409
        assert again.json()["type"] == "/problems/second-factor-state"


async def test_enrolling_again_while_active_is_a_conflict(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        again = await app.client.post(
            TOTP, json={"password": TEST_PASSWORD}, headers=account.headers
        )
        assert again.status_code == 409
        assert again.json()["type"] == "/problems/second-factor-state"
        wrong_password = await app.client.post(
            TOTP, json={"password": "not my password at all"}, headers=account.headers
        )
        assert wrong_password.status_code == 401


async def test_the_second_step_wants_exactly_one_of_code_and_recovery_code(
    settings: Settings,
) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        token = await app.challenge(account.email)
        for proof in ({}, {"code": "123456", "recovery_code": account.recovery_codes[0]}):
            answer = await app.second_step(token, **proof)
            assert answer.status_code == 422, answer.text
            assert answer.json()["errors"][0]["field"] == "code"
        # Neither counted as a wrong code: the challenge still works.
        assert (await app.second_step(token, code=app.next_code(account.secret))).status_code == 200


async def test_a_role_that_requires_mfa_can_only_enrol_at_sign_in(settings: Settings) -> None:
    async with mfa_app(settings, required_roles="admin") as app:
        await create_user(app.container, "admin", email="root@example.com")
        await create_user(app.container, email="ada@example.com")
        assert (await app.login("ada@example.com")).status_code == 200  # customers: not required

        first = await app.login("root@example.com")
        assert first.status_code == 202
        assert first.json()["enrolment_required"] is True
        token = first.json()["challenge_token"]
        refused = await app.second_step(token, code="123456")
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/mfa-enrolment-required"
        as_bearer = await app.client.get(ME, headers={"Authorization": f"Bearer {token}"})
        assert as_bearer.status_code == 401

        started = await app.client.post(SECOND_STEP + "/enrolment", json={"challenge_token": token})
        assert started.status_code == 200, started.text
        secret = started.json()["secret"]
        confirmed = await app.client.post(
            SECOND_STEP + "/enrolment/confirm",
            json={"challenge_token": token, "code": app.code(secret)},
        )
        assert confirmed.status_code == 200, confirmed.text
        body = confirmed.json()
        assert len(body["recovery_codes"]) == 10
        users = await app.client.get(
            "/api/v1/users", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert users.status_code == 200  # a full administrator's token

        spent = await app.client.post(SECOND_STEP + "/enrolment", json={"challenge_token": token})
        assert spent.status_code == 401
        later = await app.login("root@example.com")
        assert (later.status_code, later.json()["enrolment_required"]) == (202, False)
        done = await app.second_step(later.json()["challenge_token"], code=app.next_code(secret))
        assert done.status_code == 200


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORTICO_ENVIRONMENT": "production"}, "PORTICO_MFA_SECRET_KEY is required in production"),
        ({"PORTICO_MFA_SECRET_KEY": "too short"}, "PORTICO_MFA_SECRET_KEY must be at least 32"),
        ({"PORTICO_MFA_CHALLENGE_TTL": "5"}, "PORTICO_MFA_CHALLENGE_TTL='5' is invalid"),
    ],
)
def test_bad_mfa_settings_stop_with_a_message_naming_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ, env_file=None)


def test_a_required_role_that_does_not_exist_stops_the_app(settings: Settings) -> None:
    broken = msgspec.structs.replace(settings, mfa=MfaSettings(required_roles="admin, root"))
    with pytest.raises(SettingsError, match="PORTICO_MFA_REQUIRED_ROLES='admin, root'"):
        create_app(build_container(broken))


def test_the_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key = tmp_path / "mfa_secret_key"
    key.write_text("k" * 64 + "\n")
    settings = load_settings({"PORTICO_MFA_SECRET_KEY_FILE": str(key)}, env_file=None)
    assert settings.mfa.secret_key == "k" * 64
