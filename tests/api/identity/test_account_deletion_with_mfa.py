"""Deleting your account with a second factor on: the password alone deletes nothing, a code
(or a recovery code) is due too, and the deletion takes the authenticator with it."""

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
