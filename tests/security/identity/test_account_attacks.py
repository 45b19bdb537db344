"""Attacks on the mailed flows (password reset, email verification): each must be refused, and
neither asking for a reset nor signing up may tell which addresses have an account. Over HTTP
against the real app, the mail going over SMTP to a real server on loopback."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from application.identity.request_password_reset import RequestPasswordReset
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.support.auth import create_user
from tests.support.mail import (
    mail_app,
    mail_settings,
    mails_to,
    now_clock,
    smtp_server,
    token_of,
)
from tests.support.smtp_server import SmtpServer

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 42"
RESET, VERIFY = "/api/v1/auth/password-reset/confirm", "/api/v1/auth/email-verification/confirm"
Client = AsyncTestClient[Litestar]


async def reset_token(client: Client, server: SmtpServer, email: str) -> str:
    """Sign up, ask for a reset, and read the reset link's token from the second mail."""
    await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    await client.post("/api/v1/auth/password-reset", json={"email": email})
    return token_of((await mails_to(server, email, 2))[1])


def refusal(response: Any) -> dict[str, Any]:
    """The problem body without what differs per request."""
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    return {key: value for key, value in body.items() if key not in ("instance", "request_id")}


async def test_a_reset_token_works_once(settings: Settings) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            token = await reset_token(client, server, "ada@example.com")
            first = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
            replay = await client.post(
                RESET, json={"token": token, "new_password": "an attacker's own phrase 7"}
            )
            login = await client.post(
                "/api/v1/auth/login", json={"email": "ada@example.com", "password": NEW_PASSWORD}
            )

    assert first.status_code == 204
    assert refusal(replay)["type"] == "/problems/invalid-account-token"
    assert login.status_code == 200  # the replay changed nothing


async def test_a_second_reset_link_dies_with_the_first_use(settings: Settings) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            first = await reset_token(client, server, "bob@example.com")
            await client.post("/api/v1/auth/password-reset", json={"email": "bob@example.com"})
            second = token_of((await mails_to(server, "bob@example.com", 3))[2])
            used = await client.post(RESET, json={"token": second, "new_password": NEW_PASSWORD})
            older = await client.post(RESET, json={"token": first, "new_password": NEW_PASSWORD})

    assert used.status_code == 204
    assert refusal(older)["type"] == "/problems/invalid-account-token"


async def test_expired_unknown_used_and_misused_tokens_get_one_same_answer(
    settings: Settings,
) -> None:
    clock = now_clock()
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server), clock) as (_, client):
            used = await reset_token(client, server, "cy@example.com")
            await client.post(RESET, json={"token": used, "new_password": NEW_PASSWORD})
            verification = token_of((await mails_to(server, "cy@example.com"))[0])
            expiring = await reset_token(client, server, "dee@example.com")
            clock.advance(timedelta(seconds=settings.auth.password_reset_ttl + 1))
            answers = [
                await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
                for token in (
                    used,  # reuse
                    expiring,  # expired
                    secrets.token_urlsafe(32),  # made up
                    verification,  # a verification token is no reset token
                    used[:-1] + ("A" if used[-1] != "A" else "B"),  # one character off
                )
            ]
            clock.advance(timedelta(seconds=settings.auth.email_verification_ttl))
            late_verification = await client.post(VERIFY, json={"token": verification})

    bodies = [refusal(answer) for answer in answers]
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["type"] == "/problems/invalid-account-token"
    assert refusal(late_verification) == bodies[0]  # 48 h verification links expire too


async def test_a_reset_token_does_not_verify_and_a_verification_token_does_not_reset(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (_, client):
            token = await reset_token(client, server, "eve@example.com")
            as_verification = await client.post(VERIFY, json={"token": token})
            still_works = await client.post(
                RESET, json={"token": token, "new_password": NEW_PASSWORD}
            )

    assert refusal(as_verification)["type"] == "/problems/invalid-account-token"
    assert still_works.status_code == 204


async def test_asking_for_a_reset_answers_the_same_for_any_address(settings: Settings) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (container, client):
            await create_user(container, email="known@example.com")
            deactivated = await create_user(container, email="gone@example.com")
            await _deactivate(container, deactivated)
            answers = {
                email: await client.post("/api/v1/auth/password-reset", json={"email": email})
                for email in ("known@example.com", "nobody@example.com", "gone@example.com")
            }
            await mails_to(server, "known@example.com", 2)  # sign-up's and the reset's

    shapes = {
        email: (a.status_code, a.headers["content-type"], a.content) for email, a in answers.items()
    }
    assert len(set(shapes.values())) == 1, shapes
    assert shapes["known@example.com"][0] == 202
    assert [m.recipients for m in server.received].count(["nobody@example.com"]) == 0


@pytest.mark.parametrize("email", ["known@example.com", "nobody@example.com"])
async def test_asking_for_a_reset_does_the_same_work_for_any_address(
    settings: Settings, email: str
) -> None:
    """One lookup and one outbox row in one transaction, known address or not: nothing else
    (the mail is the consumer's, after the answer). Run without the background worker, so the
    outbox keeps what the request wrote."""
    container = build_container(msgspec.structs.replace(settings, background="off"))
    await create_user(container, email="known@example.com")
    outbox = container.platform.outbox()
    before = await outbox.backlog()

    await container.identity.request_password_reset()(RequestPasswordReset(email))

    assert await outbox.backlog() == before + 1


async def _deactivate(container: Container, user_id: str) -> None:
    async with container.identity.uow() as uow:
        user = await uow.users.get(UUID(user_id))
        assert user is not None
        user.change_access(now=datetime.now(UTC), active=False)
        await uow.users.update(user)
        await uow.commit()


@pytest.mark.parametrize("verified", [True, False])
async def test_signing_up_answers_the_same_for_a_free_and_a_taken_address(
    settings: Settings, verified: bool
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (container, client):
            owner = await create_user(container, email="taken@example.com")
            if verified:
                await _verify(container, owner)
            free, taken = [
                await client.post(
                    "/api/v1/auth/register", json={"email": email, "password": "the attacker's own"}
                )
                for email in ("free@example.com", "TAKEN@example.com")
            ]
            stolen = await client.post(
                "/api/v1/auth/login",
                json={"email": "taken@example.com", "password": "the attacker's own"},
            )
            # Unverified: the sign-up's verification mail, then the same again; verified: one.
            told = (await mails_to(server, "taken@example.com", 1 if verified else 2))[-1]

    assert (free.status_code, free.headers["content-type"], free.content) == (
        taken.status_code,
        taken.headers["content-type"],
        taken.content,
    )
    assert free.status_code == 202
    assert stolen.status_code == 401  # the owner's account is untouched
    # The owner hears of it: the verification link again, or that the account exists.
    expected = "Confirm your email address" if not verified else "Your Portico account"
    assert told.message["Subject"].startswith(expected)


async def _verify(container: Container, user_id: str) -> None:
    async with container.identity.uow() as uow:
        user = await uow.users.get(UUID(user_id))
        assert user is not None
        user.verify_email(datetime.now(UTC))
        await uow.users.update(user)
        await uow.commit()
