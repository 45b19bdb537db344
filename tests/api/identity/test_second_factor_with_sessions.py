"""The second factor with sessions, address changes and deletion: the second step opens a
session like a password sign-in; changing the address or deleting the account needs a code (or a
recovery code) beside the password, and the deletion takes the authenticator with it."""

from __future__ import annotations

from entrypoints.settings import Settings
from tests.support.auth import TEST_PASSWORD
from tests.support.mfa import mfa_app

ME = "/api/v1/users/me"


async def test_the_password_alone_deletes_nothing_a_code_does(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()

        async def delete(**proof: str) -> tuple[int, str]:
            body = {"password": TEST_PASSWORD, **proof}
            answer = await app.client.request("DELETE", ME, json=body, headers=account.headers)
            problem = answer.json()["type"] if answer.content else ""
            return answer.status_code, problem

        assert await delete() == (422, "/problems/invalid-value")  # neither code nor recovery code
        assert await delete(code="000000") == (422, "/problems/invalid-second-factor-code")
        still = await app.client.get(ME, headers=account.headers)
        assert (still.status_code, still.json()["email"]) == (200, account.email)

        assert await delete(code=app.next_code(account.secret)) == (204, "")

        assert (await app.login(account.email)).status_code == 401
        async with app.container.identity.uow() as uow:
            assert await uow.second_factors.get(account.user_id) is None  # gone with the account


async def test_a_recovery_code_will_do_in_place_of_the_code(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        body = {"password": TEST_PASSWORD, "recovery_code": account.recovery_codes[0]}
        answer = await app.client.request("DELETE", ME, json=body, headers=account.headers)
        assert answer.status_code == 204, answer.text


async def test_the_second_step_opens_a_session_with_its_device(settings: Settings) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        challenge = await app.challenge(account.email)
        firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
        signed_in = await app.client.post(
            "/api/v1/auth/login/mfa",
            json={"challenge_token": challenge, "code": app.next_code(account.secret)},
            headers={"User-Agent": firefox},
        )
        assert signed_in.status_code == 200, signed_in.text
        access = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        listed = await app.client.get(f"{ME}/sessions", headers=access)
        assert listed.status_code == 200, listed.text
        assert [(s["device"], s["current"]) for s in listed.json()["items"]] == [
            ("Firefox on Linux", True)
        ]


async def test_changing_the_address_with_a_second_factor_on_needs_a_code(
    settings: Settings,
) -> None:
    async with mfa_app(settings) as app:
        account = await app.enrolled_user()
        body = {"password": TEST_PASSWORD, "new_email": "new@example.com"}
        alone = await app.client.post(f"{ME}/email", json=body, headers=account.headers)
        code = {**body, "code": app.next_code(account.secret)}
        with_code = await app.client.post(f"{ME}/email", json=code, headers=account.headers)
    assert (alone.status_code, alone.json()["errors"][0]["field"]) == (422, "code")
    assert (with_code.status_code, with_code.json()["email"]) == (200, "new@example.com")
