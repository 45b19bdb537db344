"""End to end: NATS going away, a worker killed mid-batch, two workers sharing the load.

Every event must be applied exactly once: the audit log has one entry per event id (its
event_id column is deliberately not unique, so only the consumer's inbox can make that true).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select

from adapters.audit.tables import audit_log
from adapters.catalog.tables import products
from adapters.messaging.nats import NatsMessageBus
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.schema import metadata
from adapters.persistence.sql.tables import outbox, processed_events
from domain.catalog.product import Product
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from entrypoints.container import Container, build_container, close_container
from entrypoints.http.app import create_app
from entrypoints.settings import (
    AuthSettings,
    BusSettings,
    DatabaseSettings,
    LoggingSettings,
    OutboxSettings,
    Settings,
)
from entrypoints.worker.runtime import MessagingRuntime
from tests.conftest import FAST_PASSWORDS
from tests.support.auth import auth_headers
from tests.support.databases import ensure_database
from tests.support.nats import PrivateNats, delete_namespace, require_nats, unique_namespace
from tests.support.servers import POSTGRES_URL, require_server  # [adapter:postgresql]
from tests.support.workers import WorkerProcess

pytestmark = pytest.mark.nats
WAIT = 60.0  # guards against hanging, never an assertion on speed


async def prepare(url: str) -> SqlDatabase:
    await ensure_database(url)
    database = SqlDatabase(url, pool_size=2)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        for table in (audit_log, processed_events, outbox, products):
            await connection.execute(delete(table))
    return database


async def applied(database: SqlDatabase) -> tuple[int, int]:
    """(audit entries, distinct event ids among them)."""
    async with database.autocommit_engine.connect() as connection:
        rows = await connection.scalar(select(func.count()).select_from(audit_log))
        distinct = await connection.scalar(select(func.count(audit_log.c.event_id.distinct())))
    return int(rows or 0), int(distinct or 0)


async def seed(container: Container, count: int, prefix: str = "P") -> None:
    """`count` new products in one commit: `count` events in the outbox."""
    clock, ids = container.platform.clock(), container.platform.ids()
    async with container.catalog.uow() as uow:
        for n in range(count):
            product = Product.create(
                tenant=Tenant.single(),
                id=ids.new_id(),
                sku=f"{prefix}-{n}",
                name=f"Product {n}",
                description="",
                price=Money.of("1.00", "EUR"),
                stock=1,
                now=clock.now(),
            )
            await uow.products.add(product)
        await uow.commit()


async def settled(database: SqlDatabase, bus: NatsMessageBus, expected: int) -> None:
    """Wait for every event to be applied, the outbox empty and the consumer caught up."""
    async with asyncio.timeout(WAIT):
        while True:
            rows, _ = await applied(database)
            backlog = await _backlog(database)
            lag = await bus.lag("audit", "catalog")
            if rows >= expected and backlog == 0 and lag == 0:
                return
            await asyncio.sleep(0.1)


async def _backlog(database: SqlDatabase) -> int:
    async with database.autocommit_engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    return int(count or 0)


def worker_env(database_url: str, nats_url: str, namespace: str) -> dict[str, str]:
    return {
        "PORTICO_PERSISTENCE": "sql",
        "PORTICO_DATABASE_URL": database_url,
        "PORTICO_BUS": "nats",
        "PORTICO_NATS_URL": nats_url,
        "PORTICO_NATS_NAMESPACE": namespace,
        "PORTICO_BUS_ACK_WAIT": "1",
        "PORTICO_BUS_RETRY_DELAY": "0.1",
        "PORTICO_OUTBOX_POLL_INTERVAL": "0.05",
        "PORTICO_OUTBOX_BATCH_SIZE": "50",
        "PORTICO_MESSAGING_STATS_INTERVAL": "0",
        "PORTICO_LOG_LEVEL": "INFO",
    }


@contextlib.asynccontextmanager
async def lag_reader(url: str, namespace: str) -> AsyncIterator[NatsMessageBus]:
    bus = NatsMessageBus(url, namespace=namespace)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()


@pytest.fixture
def namespace() -> Iterator[str]:
    url, name = require_nats(), unique_namespace()
    yield name
    asyncio.run(delete_namespace(url, name))


async def test_writes_succeed_while_nats_is_down_and_every_event_arrives_once(
    tmp_path: Path,
) -> None:
    with PrivateNats(tmp_path / "nats") as server:
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
        database = await prepare(database_url)
        settings = Settings(
            environment="test",
            background="serve",
            logging=LoggingSettings(format="json", level="ERROR", access_log=False),
            database=DatabaseSettings(url=database_url),
            bus=BusSettings(
                backend="nats",
                nats_url=server.url,
                nats_namespace="outage",
                ack_wait=1,
                retry_delay=0.2,
                stats_interval=0,
            ),
            outbox=OutboxSettings(poll_interval=0.05),
            auth=AuthSettings(dev_key_file=str(tmp_path / "dev-signing-key.json")),
            passwords=FAST_PASSWORDS,
        )
        container = build_container(settings)
        app = create_app(container)
        async with AsyncTestClient(app) as client:
            client.headers.update(await auth_headers(container, "staff"))
            # The app (and so the runtime) runs on the test client's own loop, in a thread.
            runtime: MessagingRuntime = app.state["messaging"]
            async with asyncio.timeout(WAIT):
                while not runtime.ready.is_set():
                    await asyncio.sleep(0.02)

            # The staff account's own events (identity publishes too) leave before NATS does,
            # so the backlog below is the catalog's writes alone.
            async with asyncio.timeout(WAIT):
                while await _backlog(database):
                    await asyncio.sleep(0.02)
            server.stop()
            ready = await client.get("/health/ready")
            statuses = []
            for n in range(200):
                response = await client.post(
                    "/api/v1/products",
                    json={
                        "sku": f"OUT-{n}",
                        "name": f"Written while NATS is down {n}",
                        "price": {"amount": "2.00", "currency": "EUR"},
                    },
                )
                statuses.append(response.status_code)
            assert statuses == [201] * 200
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["bus"]["status"] == "degraded"
            assert await _backlog(database) == 200

            server.start()
            async with lag_reader(server.url, "outage") as bus:
                await settled(database, bus, 200)
            ready_again = await client.get("/health/ready")

        assert ready_again.json()["checks"]["bus"]["status"] == "up"
        assert await applied(database) == (200, 200)
        await database.dispose()


async def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(
    tmp_path: Path, namespace: str
) -> None:
    nats_url = require_nats()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    database = await prepare(database_url)
    env = worker_env(database_url, nats_url, namespace)
    container = build_container(
        Settings(
            environment="test",
            database=DatabaseSettings(url=database_url),
            bus=BusSettings(backend="nats", nats_url=nats_url),
        )
    )
    await seed(container, 600)
    await close_container(container)

    first = WorkerProcess(env, tmp_path).start()
    second = WorkerProcess(env, tmp_path)
    try:
        first.wait_for("worker.ready")
        async with asyncio.timeout(WAIT):
            while (await applied(database))[0] < 100:
                await asyncio.sleep(0.01)
        first.kill()  # SIGKILL: no goodbye, acks and claims are left hanging
        at_kill, _ = await applied(database)
        assert at_kill < 600, "the first worker finished before it could be killed"

        second.start().wait_for("worker.ready")
        async with lag_reader(nats_url, namespace) as bus:
            await settled(database, bus, 600)
        assert second.terminate() == 0
        stopped = second.wait_for("worker.stopped")
    finally:
        first.kill()
        second.kill()

    assert await applied(database) == (600, 600)
    assert stopped["consumers"]["audit"]["applied"] == 600 - at_kill
    await database.dispose()


# [adapter:postgresql begin]
@pytest.mark.postgres
async def test_two_workers_share_a_thousand_events_each_applied_once(
    tmp_path: Path, namespace: str
) -> None:
    nats_url = require_nats()
    database_url = require_server(POSTGRES_URL, "PORTICO_TEST_POSTGRES_URL")
    database = await prepare(database_url)
    env = worker_env(database_url, nats_url, namespace)
    workers = [WorkerProcess(env, tmp_path).start() for _ in range(2)]
    try:
        for worker in workers:
            worker.wait_for("worker.ready")
        container = build_container(
            Settings(
                environment="test",
                database=DatabaseSettings(url=database_url),
                bus=BusSettings(backend="nats", nats_url=nats_url),
            )
        )
        for batch in range(10):
            await seed(container, 100, prefix=f"B{batch}")
        await close_container(container)

        async with lag_reader(nats_url, namespace) as bus:
            await settled(database, bus, 1000)
        assert [worker.terminate() for worker in workers] == [0, 0]
        stats: list[dict[str, Any]] = [w.wait_for("worker.stopped") for w in workers]
    finally:
        for worker in workers:
            worker.kill()

    assert await applied(database) == (1000, 1000)
    work = [s["consumers"]["audit"]["applied"] for s in stats]
    assert sum(work) == 1000
    assert all(count > 0 for count in work), work
    relayed = [s["relay"]["published"] for s in stats]
    assert sum(relayed) >= 1000
    await database.dispose()


# [adapter:postgresql end]


async def test_a_worker_started_before_nats_connects_once_it_is_up(tmp_path: Path) -> None:
    server = PrivateNats(tmp_path / "nats")  # its port is chosen, nothing listens yet
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    database = await prepare(database_url)
    container = build_container(
        Settings(environment="test", database=DatabaseSettings(url=database_url))
    )
    await seed(container, 50)
    await close_container(container)
    worker = WorkerProcess(worker_env(database_url, server.url, "late"), tmp_path).start()
    try:
        worker.wait_for("worker.bus_unavailable")
        with server:
            worker.wait_for("worker.ready")
            async with lag_reader(server.url, "late") as bus:
                await settled(database, bus, 50)
            assert worker.terminate() == 0
    finally:
        worker.kill()

    assert await applied(database) == (50, 50)
    await database.dispose()
