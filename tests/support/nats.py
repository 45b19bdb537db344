"""NATS for the tests: the shared server with names unique to a test, or a private server.

Every test gets its own namespace (streams `<NAMESPACE>_*`, subjects `<namespace>.>`) and
deletes only the streams of that namespace. Fault tests start a private nats-server on a free
port and stop it by its pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import nats
import pytest
from dependency_injector import providers
from nats.aio.client import Client

from adapters.messaging.nats import NatsMessageBus
from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import Delivery
from tests.support.servers import ON_CI, PATIENCE, START_PATIENCE, free_port, reachable

NATS_URL = os.environ.get("PORTICO_TEST_NATS_URL", "nats://127.0.0.1:4222")
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


async def plain_client(servers: Sequence[str]) -> Client:
    """A NATS connection of the test's own (to look behind the bus's back), one try per server;
    ask it `jetstream(timeout=PATIENCE)`."""
    return await nats.connect(
        servers=list(servers), connect_timeout=int(PATIENCE), max_reconnect_attempts=1
    )


def require_nats(url: str = NATS_URL) -> str:
    host, _, port = url.removeprefix("nats://").rpartition(":")
    if not reachable(host or "127.0.0.1", int(port)):
        message = (
            f"NATS is not reachable at {url}; start it (see ../shared/services.md) "
            "or point PORTICO_TEST_NATS_URL at one"
        )
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url


def unique_namespace() -> str:
    return "t" + uuid.uuid4().hex[:16]


def bus_at_an_empty_port(container: Any) -> None:
    """Point `container`'s NATS bus at a port no one listens on, each connect attempt bounded
    to 0.25 s instead of the adapter's 2 s: the app tries at its start, its probe and its
    stats, so a test of what an unreachable bus looks like waited ~6 s for nothing."""
    platform = container.platform
    container.platform.bus.override(
        providers.Singleton(
            NatsMessageBus,
            f"nats://127.0.0.1:{free_port()}",
            retry=platform.retry_policy,
            tracing=platform.tracing,
            timeout=0.25,
        )
    )


async def delete_namespace(url: str, namespace: str) -> None:
    """Delete the streams of `namespace` (and only those)."""
    prefix = namespace.upper() + "_"
    nc = await plain_client([url])
    try:
        js = nc.jetstream(timeout=PATIENCE)
        for stream in await js.streams_info():
            name = stream.config.name or ""
            if name.startswith(prefix):
                await js.delete_stream(name)
    finally:
        await nc.close()


@contextlib.asynccontextmanager
async def nats_buses(
    retry: RetryPolicy,
) -> AsyncIterator[Callable[..., Awaitable[NatsMessageBus]]]:
    """Makes started buses on the shared server (`make(**options)`: NatsMessageBus's other
    options), each another process's connection, all in one namespace of this test's own;
    closes them and deletes the namespace after."""
    url, namespace = require_nats(), unique_namespace()
    opened: list[NatsMessageBus] = []

    async def make(**options: Any) -> NatsMessageBus:
        # The shared server is up: its answers get PATIENCE unless a test sets the bound it tests.
        options.setdefault("timeout", PATIENCE)
        bus = NatsMessageBus(url, namespace=namespace, retry=retry, **options)
        await bus.start()
        opened.append(bus)
        return bus

    try:
        yield make
    finally:
        await asyncio.gather(*(bus.close() for bus in opened))  # each waits out its fetches
        await delete_namespace(url, namespace)


class Arrivals:
    """A `subscribe_batches` handler that acks: when each event reached it (time.monotonic()),
    and the sizes of the batches it was handed."""

    def __init__(self) -> None:
        self.at: dict[UUID, float] = {}
        self.sizes: list[int] = []
        self._changed = asyncio.Event()

    async def __call__(self, deliveries: Sequence[Delivery]) -> None:
        now = time.monotonic()
        self.sizes.append(len(deliveries))
        for delivery in deliveries:
            self.at.setdefault(delivery.event.id, now)
            await delivery.ack()
        self._changed.set()

    async def wait_for(self, count: int) -> None:
        """Until `count` events arrived."""
        while len(self.at) < count:
            self._changed.clear()
            await self._changed.wait()


class PrivateNats:
    """A nats-server of our own, on a free loopback port, storing in `store`."""

    def __init__(self, store: Path, port: int | None = None) -> None:
        if not Path(NATS_SERVER).exists():
            message = f"{NATS_SERVER} is not installed (apt-get install nats-server)"
            if ON_CI:
                pytest.fail(message)
            pytest.skip(message)
        self.store = store
        self.port = port or free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_PATIENCE
        while not reachable("127.0.0.1", self.port, timeout=0.2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the private nats-server did not start on {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> PrivateNats:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(Exception):
            self.stop()
