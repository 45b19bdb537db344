"""End to end: the database going away under a running `portico worker`.

Its relay, its consumers and its order projector all keep failing while the database is down;
the log must say so once per outage transition (`database.unavailable`, then
`database.available`), not a traceback per failed attempt. Once the database is back, the events
the consumers were refused are applied. The fault is real: a private PostgreSQL stopped by pid.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.audit.tables import audit_log
from adapters.messaging.nats import NatsMessageBus
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.schema import metadata
from application.shared.ports.messaging import IntegrationEvent
from tests.support.databases import ensure_database
from tests.support.nats import delete_namespace, require_nats, unique_namespace
from tests.support.postgres import PrivatePostgres, private_postgres
from tests.support.workers import Line, WorkerProcess, wait_until

pytestmark = [pytest.mark.nats, pytest.mark.postgres]
EVENTS = 5
DOWN_FOR = 4.0  # seconds of outage: many failed attempts of every loop (retry delay 0.1 s)


@pytest.fixture
def namespace() -> Iterator[str]:
    url, name = require_nats(), unique_namespace()
    yield name
    asyncio.run(delete_namespace(url, name))


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as running:
        yield running


def product_created() -> IntegrationEvent:
    return IntegrationEvent(
        id=uuid.uuid4(),
        type="catalog.ProductCreated",
        version=1,
        occurred_at=datetime.now(UTC),
        aggregate_id=uuid.uuid4(),
        payload={"sku": "OUTAGE"},
    )


async def prepare(url: str) -> None:
    await ensure_database(url)
    database = SqlDatabase(url, pool_size=1)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    finally:
        await database.dispose()


async def audit_entries(url: str) -> int:
    database = SqlDatabase(url, pool_size=1)
    try:
        async with database.autocommit_engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(audit_log)) or 0)
    finally:
        await database.dispose()


async def publish(url: str, namespace: str, events: list[IntegrationEvent]) -> None:
    bus = NatsMessageBus(url, namespace=namespace)
    await bus.start()
    try:
        await bus.publish_all(events)
    finally:
        await bus.close()


def loop_failure(event: str) -> bool:
    """The worker loops' own failure lines (consumers, relay, projector)."""
    return event.startswith(("consumer ", "relay:", "projector."))


def named(lines: list[Line], event: str) -> list[Line]:
    return [line for line in lines if line.get("event") == event]


def test_the_worker_logs_an_outage_once_and_applies_what_it_missed(
    server: PrivatePostgres, namespace: str, tmp_path: Path
) -> None:
    nats_url = require_nats()
    asyncio.run(prepare(server.url))
    worker = WorkerProcess(
        {
            "PORTICO_PERSISTENCE": "sql",
            "PORTICO_DATABASE_URL": server.url,
            "PORTICO_BUS": "nats",
            "PORTICO_NATS_URL": nats_url,
            "PORTICO_NATS_NAMESPACE": namespace,
            "PORTICO_BACKGROUND": "worker",  # the order projector runs here too
            "PORTICO_BUS_RETRY_DELAY": "0.1",
            "PORTICO_OUTBOX_POLL_INTERVAL": "0.05",
            "PORTICO_MESSAGING_STATS_INTERVAL": "0",
            "PORTICO_LOG_LEVEL": "INFO",
        },
        tmp_path,
    ).start()
    try:
        worker.wait_for("worker.ready")
        server.stop()
        asyncio.run(publish(nats_url, namespace, [product_created() for _ in range(EVENTS)]))
        time.sleep(DOWN_FOR)
        during = list(worker.lines)
        server.start()
        worker.wait_for("database.available")
        wait_until(
            lambda: asyncio.run(audit_entries(server.url)) == EVENTS,
            what=f"{EVENTS} audit entries once the database is back",
        )
        after = list(worker.lines)
    finally:
        worker.kill()

    assert len(named(during, "database.unavailable")) == 1
    assert len(named(after, "database.unavailable")) == 1
    assert len(named(after, "database.available")) == 1
    # The consumers did fail, many times, and said nothing of their own about it.
    assert not [line for line in after if "exception" in line or "exc_info" in line], after
    # Nor did the relay or the projector (other warnings, a NATS fetch timing out on a busy
    # machine, say, are not about the outage).
    assert not [line for line in after if loop_failure(str(line.get("event", "")))], after
