"""The second factor in tests: an app whose clock the test moves, an account with an active
authenticator, and the codes a real authenticator app would show (pyotp, RFC 6238)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from entrypoints.settings import Settings
from entrypoints.settings.groups import MfaSettings
from tests.support.auth import TEST_PASSWORD, bearer, create_user
from tests.support.clock import FixedClock
from tests.support.mail import mail_app

Client = AsyncTestClient[Litestar]
LOGIN, SECOND_STEP = "/api/v1/auth/login", "/api/v1/auth/login/mfa"
TOTP = "/api/v1/users/me/mfa/totp"
STEP = timedelta(seconds=30)


@dataclass
class MfaApp:
    container: Container
    client: Client
    clock: FixedClock

    def code(self, secret: str) -> str:
        """The code an authenticator shows now."""
        return pyotp.TOTP(secret).at(self.clock.now())

    def next_code(self, secret: str) -> str:
        """The next step's code (a code is good once): the clock moves on 30 seconds first."""
        self.clock.advance(STEP)
        return self.code(secret)

    async def login(self, email: str, password: str = TEST_PASSWORD) -> Any:
        return await self.client.post(LOGIN, json={"email": email, "password": password})

    async def challenge(self, email: str) -> str:
        answer = await self.login(email)
        assert answer.status_code == 202, answer.text
        token: str = answer.json()["challenge_token"]
        return token

    async def second_step(self, token: str, **proof: str) -> Any:
        return await self.client.post(SECOND_STEP, json={"challenge_token": token, **proof})

    async def login_as_new(self, *roles: str) -> str:
        """A new user with these roles signs in with the password: the challenge of its 202."""
        email = f"user-{secrets.token_hex(6)}@example.com"
        await create_user(self.container, *roles, email=email)
        return await self.challenge(email)

    async def enrolled_user(self, *roles: str, email: str | None = None) -> Account:
        """A user with an active authenticator: its id, email, headers, secret, recovery codes."""
        email = email or f"user-{secrets.token_hex(6)}@example.com"
        user_id = await create_user(self.container, *(roles or ("customer",)), email=email)
        headers = bearer(self.container, user_id, *(roles or ("customer",)))
        started = await self.client.post(TOTP, json={"password": TEST_PASSWORD}, headers=headers)
        assert started.status_code == 200, started.text
        secret: str = started.json()["secret"]
        confirmed = await self.client.post(
            TOTP + "/confirm", json={"code": self.code(secret)}, headers=headers
        )
        assert confirmed.status_code == 200, confirmed.text
        return Account(user_id, email, headers, secret, confirmed.json()["recovery_codes"])


@dataclass
class Account:
    user_id: str
    email: str
    headers: dict[str, str]
    secret: str
    recovery_codes: list[str]


def mfa_settings(settings: Settings, **mfa: Any) -> Settings:
    """Sign-in limits per address high enough for a test's many requests (the code limits are
    what is tested here)."""
    auth = msgspec.structs.replace(settings.auth, rate_limit_per_minute=10_000)
    return msgspec.structs.replace(settings, auth=auth, mfa=MfaSettings(**mfa))


@asynccontextmanager
async def mfa_app(settings: Settings, **mfa: Any) -> AsyncIterator[MfaApp]:
    clock = FixedClock(datetime.now(UTC))
    async with mail_app(mfa_settings(settings, **mfa), clock) as (container, client):
        yield MfaApp(container, client, clock)
