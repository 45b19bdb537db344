"""Changing your email address over HTTP, with the mail going over SMTP to a real server on
loopback: the new address is the account's at once and unverified, its verification link goes
to it, the previous address is told; the password is needed and a taken address is refused."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings
from tests.api.identity.test_account_mail import PASSWORD, login, sign_up
from tests.support.mail import mail_app, mail_settings, mails_to, smtp_server, token_of

Client = AsyncTestClient[Litestar]
EMAIL = "/api/v1/users/me/email"


async def signed_in(client: Client, email: str) -> dict[str, str]:
    await sign_up(client, email)
    tokens = (await login(client, email, PASSWORD)).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def change(client: Client, auth: dict[str, str], **body: Any) -> Any:
    return await client.post(EMAIL, json={"password": PASSWORD, **body}, headers=auth)


async def test_the_new_address_is_verified_by_its_link_and_the_old_one_is_told(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            auth = await signed_in(client, "ada@example.com")
            [first_link] = await mails_to(server, "ada@example.com")
            await client.post(
                "/api/v1/auth/email-verification/confirm", json={"token": token_of(first_link)}
            )
            changed = await change(client, auth, new_email=" Ada.Lovelace@Example.com ")
            [link] = await mails_to(server, "ada.lovelace@example.com")
            told = (await mails_to(server, "ada@example.com", 2))[1]
            confirmed = await client.post(
                "/api/v1/auth/email-verification/confirm", json={"token": token_of(link)}
            )
            me = await client.get("/api/v1/users/me", headers=auth)
            old = await login(client, "ada@example.com", PASSWORD)
            new = await login(client, "ada.lovelace@example.com", PASSWORD)

    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["email_verified"]) == (
        "ada.lovelace@example.com",
        False,
    )
    assert told.message["Subject"] == "Your Portico account has a new address"
    assert "ada.lovelace@example.com" in told.part("plain")
    assert confirmed.status_code == 204
    assert (me.json()["email"], me.json()["email_verified"]) == ("ada.lovelace@example.com", True)
    assert old.status_code == 401
    assert new.status_code == 200


async def test_without_the_password_or_to_a_taken_address_nothing_changes(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            auth = await signed_in(client, "bob@example.com")
            await signed_in(client, "eve@example.com")
            wrong = await client.post(
                EMAIL,
                json={"password": "not it at all", "new_email": "b@example.com"},
                headers=auth,
            )
            taken = await change(client, auth, new_email="eve@example.com")
            same = await change(client, auth, new_email="bob@example.com")
            bad = await change(client, auth, new_email="not an address")
            anonymous = await client.post(
                EMAIL, json={"password": PASSWORD, "new_email": "b@example.com"}
            )
            me = await client.get("/api/v1/users/me", headers=auth)

    assert wrong.status_code == 401
    assert (taken.status_code, taken.json()["type"]) == (409, "/problems/email-taken")
    assert (same.status_code, same.json()["errors"][0]["field"]) == (422, "new_email")
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "new_email")
    assert anonymous.status_code == 401
    assert me.json()["email"] == "bob@example.com"
