"""An app whose mail goes over SMTP to a real server on loopback (tests/support/smtp_server.py),
and what reached that server: the mails to an address and the tokens of their links."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime

import msgspec
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import BusSettings, EmailSettings, Settings
from tests.support.clock import FixedClock
from tests.support.servers import free_port
from tests.support.smtp_server import Received, SmtpServer

WAIT = 10.0  # seconds a mail may take through the outbox, the bus and the consumer
TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def mail_settings(settings: Settings, server: SmtpServer, **auth: object) -> Settings:
    """`settings` sending mail to `server` (plain SMTP on loopback), retrying a failed send
    soon, with these auth settings changed."""
    return msgspec.structs.replace(
        settings,
        email=EmailSettings(
            backend="smtp",
            sender="shop@example.com",
            link_base="https://shop.example",
            smtp_port=server.port,
            smtp_security="none",
            smtp_timeout=2.0,
        ),
        bus=BusSettings(retry_delay=0.05),
        auth=msgspec.structs.replace(settings.auth, **auth),
    )


@asynccontextmanager
async def mail_app(
    settings: Settings, clock: FixedClock | None = None
) -> AsyncIterator[tuple[Container, AsyncTestClient[Litestar]]]:
    container = build_container(settings)
    if clock is not None:
        container.platform.clock.override(providers.Object(clock))
    async with AsyncTestClient(create_app(container)) as client:
        yield container, client


def now_clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


async def mails_to(server: SmtpServer, address: str, count: int = 1) -> list[Received]:
    """The first `count` mails the server received for `address`, waiting for them."""
    async with asyncio.timeout(WAIT):
        while True:
            found = [m for m in server.received if m.recipients == [address]]
            if len(found) >= count:
                return found[:count]
            await asyncio.sleep(0.02)


def token_of(mail: Received) -> str:
    """The token of the mail's link, read from its text part (the HTML carries the same)."""
    found = TOKEN.search(mail.part("plain"))
    assert found is not None, mail.part("plain")
    assert f"token={found.group(1)}" in mail.part("html")
    return found.group(1)
