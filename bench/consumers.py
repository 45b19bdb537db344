"""The audit and notifications consumers on PostgreSQL, in process: round trips, events a second.

    uv run python -m bench.consumers [--events 3000] [--concurrency 1]

Each consumer is called as its bus calls it: one event after another (the in-process bus hands
a consumer the next event of a context once the last is settled; --concurrency runs several
such callers at once, as several workers on NATS would). Against PORTICO_BENCH_POSTGRES_URL's
database (default portico_bench_consumers; its tables are dropped and made again):
- `audit`: RecordChange (its inbox check and the entry, one unit of work) for
  catalog.ProductCreated events, the events W3 (POST /api/v1/products) publishes;
- `notifications`: NotifyCustomer for ordering.OrderPlaced events (the customer in the
  payload), its delivery log on PostgreSQL, the notifier a bench one that sends nothing (the
  consumer's own cost, not a webhook's).
For each: the round trips of one warm event (bench/write_path.py's proxy), then events a second
and CPU time of this process per event (time.process_time), with the load average. To keep up
with W3, the audit consumer must handle at least as many events a second as products are
created (bench/README.md's W3 figures).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import uvloop
from tests.support.databases import ensure_database

from adapters.audit.sql import SqlAuditUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.delivery_log import SqlDeliveryLog
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.schema import metadata
from adapters.system.ids import Uuid7Generator
from application.audit.record_change import RecordChange
from application.ordering.notify_customer import NotifyCustomer
from application.shared.ports.messaging import IntegrationEvent
from application.shared.ports.notifier import Notification, Notifier
from bench.write_path import warm_round_trips
from domain.shared.tenant import Tenant

POSTGRES = os.environ.get(
    "PORTICO_BENCH_POSTGRES_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_bench_consumers",
)
ids = Uuid7Generator()
CUSTOMER = UUID("00000000-0000-7000-8000-000000000001")

Consume = Callable[[IntegrationEvent], Awaitable[bool]]


class SendsNothing(Notifier):
    async def send(self, notification: Notification) -> None:
        return None


def _event(type_: str, payload: Callable[[UUID], dict[str, Any]]) -> IntegrationEvent:
    """A new event of `type_` about a new aggregate, its payload made from the aggregate's id."""
    aggregate = ids.new_id()
    return IntegrationEvent(
        id=ids.new_id(),
        type=type_,
        version=1,
        occurred_at=datetime.now(UTC),
        aggregate_id=aggregate,
        payload=payload(aggregate),
        actor="bench",
        tenant=Tenant.single(),
    )


def _product_created() -> IntegrationEvent:
    return _event(
        "catalog.ProductCreated",
        lambda product: {"product_id": str(product), "sku": "SKU-1", "name": "Product"},
    )


def _order_placed() -> IntegrationEvent:
    total = {"amount": "9.90", "currency": "EUR"}
    return _event(
        "ordering.OrderPlaced",
        lambda order: {"order_id": str(order), "customer_id": str(CUSTOMER), "total": total},
    )


CONSUMERS: dict[str, tuple[Callable[[SqlDatabase], Consume], Callable[[], IntegrationEvent]]] = {
    "audit": (lambda db: RecordChange(lambda: SqlAuditUnitOfWork(db)), _product_created),
    "notifications": (
        lambda db: NotifyCustomer(SendsNothing(), SqlEventStore(db), SqlDeliveryLog(db)),
        _order_placed,
    ),
}


async def _round_trips(url: str, name: str) -> tuple[int, list[bytes]]:
    make, event = CONSUMERS[name]

    def consuming(counted: SqlDatabase) -> Callable[[], Awaitable[None]]:
        consume = make(counted)

        async def once() -> None:
            assert await consume(event())

        return once

    return await warm_round_trips(url, consuming)


async def _rate(url: str, name: str, count: int, concurrency: int) -> tuple[float, float]:
    """CPU seconds per event and events a second."""
    database = SqlDatabase(url, pool_size=concurrency)
    make, event = CONSUMERS[name]
    consume = make(database)
    events = [event() for _ in range(count)]
    for _ in range(20):  # warm
        await consume(event())

    async def caller() -> None:
        while events:
            assert await consume(events.pop())

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await database.dispose()
    return cpu / count, count / wall


async def main(arguments: argparse.Namespace) -> None:
    await ensure_database(POSTGRES)
    database = SqlDatabase(POSTGRES, pool_size=1)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.run_sync(metadata.create_all)
    await database.dispose()
    for name in CONSUMERS:
        count, first_bytes = await _round_trips(POSTGRES, name)
        print(f"{name}: round trips of one event: {count}")
        for first in first_bytes:
            print(f"    {first!r}")
        cpu, rate = await _rate(POSTGRES, name, arguments.events, arguments.concurrency)
        load = os.getloadavg()
        print(
            f"{name}: {arguments.events} events from {arguments.concurrency} caller(s): "
            f"{rate:.0f}/s, {cpu * 1e6:.0f} µs CPU per event; "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=1)
    uvloop.run(main(parser.parse_args()))
