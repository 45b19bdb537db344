"""Password reset and email verification through the HTTP API, with the mail going over SMTP
to a real server on loopback (through the outbox, the bus and the account mail consumer)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings
from tests.support.auth import create_user
from tests.support.mail import mail_app, mail_settings, mails_to, smtp_server, token_of

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 42"
Client = AsyncTestClient[Litestar]


async def sign_up(client: Client, email: str) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 202, response.text


async def login(client: Client, email: str, password: str) -> Any:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_sign_up_mails_a_verification_link_that_works_once(settings: Settings) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            await sign_up(client, "ada@example.com")
            tokens = (await login(client, "ada@example.com", PASSWORD)).json()
            auth = {"Authorization": f"Bearer {tokens['access_token']}"}
            before = await client.get("/api/v1/users/me", headers=auth)

            [mail] = await mails_to(server, "ada@example.com")
            assert mail.message["Subject"] == "Confirm your email address for Portico"
            assert "https://shop.example/verify-email?token=" in mail.part("plain")
            token = token_of(mail)
            confirm = {"token": token}
            first = await client.post("/api/v1/auth/email-verification/confirm", json=confirm)
            again = await client.post("/api/v1/auth/email-verification/confirm", json=confirm)
            me = await client.get("/api/v1/users/me", headers=auth)

    assert before.json()["email_verified"] is False
    assert first.status_code == 204
    assert again.status_code == 422
    assert again.json()["type"] == "/problems/invalid-account-token"
    assert me.json()["email_verified"] is True


async def test_a_password_reset_ends_every_session_and_the_old_password(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            await sign_up(client, "bob@example.com")
            session = (await login(client, "bob@example.com", PASSWORD)).json()

            asked = await client.post(
                "/api/v1/auth/password-reset", json={"email": "bob@example.com"}
            )
            mail = (await mails_to(server, "bob@example.com", 2))[1]  # after the verification
            token = token_of(mail)
            reset = await client.post(
                "/api/v1/auth/password-reset/confirm",
                json={"token": token, "new_password": NEW_PASSWORD},
            )
            refreshed = await client.post(
                "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
            )
            old = await login(client, "bob@example.com", PASSWORD)
            new = await login(client, "bob@example.com", NEW_PASSWORD)

    assert asked.status_code == 202
    assert mail.message["Subject"] == "Reset your Portico password"
    assert "https://shop.example/reset-password?token=" in mail.part("plain")
    assert reset.status_code == 204
    assert refreshed.status_code == 401  # the session from before the reset ended
    assert old.status_code == 401
    assert new.status_code == 200


async def test_the_new_password_passes_the_sign_up_policy_and_a_refusal_keeps_the_link(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            await sign_up(client, "cy@example.com")
            await client.post("/api/v1/auth/password-reset", json={"email": "cy@example.com"})
            token = token_of((await mails_to(server, "cy@example.com", 2))[1])
            url = "/api/v1/auth/password-reset/confirm"
            weak = await client.post(url, json={"token": token, "new_password": "cy@example.com"})
            common = await client.post(url, json={"token": token, "new_password": "password1234"})
            good = await client.post(url, json={"token": token, "new_password": NEW_PASSWORD})

    assert weak.status_code == 422
    assert common.status_code == 422
    assert common.json()["errors"][0]["field"] == "new_password"
    assert good.status_code == 204


async def test_a_mail_server_outage_delays_the_mail_but_loses_nothing(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            await sign_up(client, "dee@example.com")
            await mails_to(server, "dee@example.com")
            server.stop()  # the mail server goes away
            asked = await client.post(
                "/api/v1/auth/password-reset", json={"email": "dee@example.com"}
            )
            server.start()  # and comes back: the consumer's retry sends the mail
            reset_mail = (await mails_to(server, "dee@example.com", 2))[1]
            reset = await client.post(
                "/api/v1/auth/password-reset/confirm",
                json={"token": token_of(reset_mail), "new_password": NEW_PASSWORD},
            )

    assert asked.status_code == 202  # answered while the server was down
    assert reset.status_code == 204


async def test_unverified_accounts_may_not_sign_in_when_the_setting_says_so(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        strict = mail_settings(settings, server, unverified_sign_in=False)
        async with mail_app(strict) as (_, client):
            await sign_up(client, "eve@example.com")
            refused = await login(client, "eve@example.com", PASSWORD)
            wrong = await login(client, "eve@example.com", "not the password at all")
            token = token_of((await mails_to(server, "eve@example.com"))[0])
            await client.post("/api/v1/auth/email-verification/confirm", json={"token": token})
            allowed = await login(client, "eve@example.com", PASSWORD)

    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/email-not-verified"
    assert wrong.status_code == 401  # the right password first: nobody else learns more
    assert allowed.status_code == 200


@pytest.mark.parametrize("known", [True, False])
async def test_verification_mails_are_limited_per_address(settings: Settings, known: bool) -> None:
    with smtp_server() as server:
        limited = mail_settings(settings, server, verification_resends_per_hour=2)
        async with mail_app(limited) as (container, client):
            if known:  # made without the API, so only the requests below count
                await create_user(container, email="fay@example.com")
            body = {"email": "fay@example.com"}
            answers = [
                await client.post("/api/v1/auth/email-verification", json=body) for _ in range(3)
            ]
            other = await client.post(
                "/api/v1/auth/email-verification", json={"email": "gus@example.com"}
            )
            if known:  # the account's first mail and two more
                assert len(await mails_to(server, "fay@example.com", 3)) == 3

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert int(answers[2].headers["Retry-After"]) > 0
    assert other.status_code == 202  # another address has its own count
