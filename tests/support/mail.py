"""An app whose mail goes over SMTP to a real server on loopback (tests/support/smtp_server.py),
and what reached that server: the mails to an address and the tokens of their links.

The server and the apps are a worker's, reused by its tests (building an app costs ~0.2 s of
CPU): each test finds the server running with an empty mailbox, and the app of its settings put
back as built (tests/support/shared_app.py), reading the test's clock.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from entrypoints.settings import BusSettings, EmailSettings, Settings
from tests.support.clock import FixedClock
from tests.support.servers import free_port
from tests.support.shared_app import WORKER
from tests.support.smtp_server import PATIENCE, Received, SmtpServer

WAIT = 30.0  # seconds a mail may take through the outbox, the bus and the consumer
TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")


@functools.cache
def _worker_server() -> SmtpServer:
    server = SmtpServer(free_port())
    atexit.register(server.stop)
    return server


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    """The worker's server, running (a test that stopped it and failed left it stopped), with
    none of the earlier tests' mail: their apps stopped sending when their clients closed."""
    server = _worker_server()
    server.received.clear()
    if not server.running:
        server.start()
    yield server


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
            smtp_timeout=PATIENCE,
        ),
        bus=BusSettings(retry_delay=0.05),
        auth=msgspec.structs.replace(settings.auth, **auth),
    )


@asynccontextmanager
async def mail_app(
    settings: Settings, clock: FixedClock | None = None
) -> AsyncIterator[tuple[Container, AsyncTestClient[Litestar]]]:
    container = WORKER.container(settings, clock)
    async with AsyncTestClient(WORKER.app(container)) as client:
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
