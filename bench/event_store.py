"""Event store and projection figures on PostgreSQL (or any URL the adapter takes).

    uv run python bench/event_store.py [--url URL] [--appends 5000] [--rebuild-events 100000]

Measures, in one process against a fresh database (default: portico_ordering_bench):
- append rate: single-event appends to new streams, from 1 and from 16 concurrent writers
  (on PostgreSQL appends to different streams do not wait for each other; on SQLite and
  MariaDB every append takes the event store's head row lock, so writers queue on it);
- read rates: whole streams by id, and read_all in pages of 1,000 (a projector's read);
- the time to rebuild each order projection from 100,000 events (25,000 orders of 4 events:
  placed, paid, shipped or cancelled...), replayed into a fresh generation and swapped in.
Figures depend on the machine; compare runs from one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from adapters.ordering.sql_projections import (
    SqlOrderDetailsStore,
    SqlOrderSummaryStore,
)
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.schema import metadata
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.projections import fold_details, fold_summary
from application.shared.ports.event_store import NewEvent
from application.shared.projector import Projection, Projector
from domain.ordering.lines import OrderLine
from domain.ordering.order import Order, stream_of
from domain.shared.money import Money
from domain.shared.tenant import Tenant

ROOT = Path(__file__).resolve().parents[1]
URL = os.environ.get(
    "PORTICO_BENCH_POSTGRES_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_ordering_bench",
)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def event(n: int) -> NewEvent:
    return NewEvent(
        event_id=uuid4(),
        type="BenchNoted",
        schema_version=1,
        payload={"n": n, "note": "a small payload like an order event's"},
        occurred_at=T0,
    )


async def append_rate(store: SqlEventStore, total: int, writers: int) -> float:
    per_writer = total // writers

    async def writer(w: int) -> None:
        for i in range(per_writer):
            await store.append(f"bench-{writers}-{w}-{i}", 0, [event(i)])

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return per_writer * writers / (time.perf_counter() - started)


async def read_rates(store: SqlEventStore, streams: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    events = 0
    for stream in streams:
        events += len(await store.read(stream))
    stream_reads = len(streams) / (time.perf_counter() - started)
    started = time.perf_counter()
    position = read = 0
    while batch := await store.read_all(position, 1000):
        position = batch[-1].position
        read += len(batch)
    return {
        "stream_reads_per_s": round(stream_reads),
        "read_all_events_per_s": round(read / (time.perf_counter() - started)),
        "read_all_events": read,
    }


def order_history(i: int) -> list[NewEvent]:
    order = Order.place(
        tenant=Tenant.single(),
        id=uuid4(),
        customer_id=UUID(int=i % 500 + 1),
        lines=[
            OrderLine(UUID(int=1000 + i % 37), 1 + i % 3, Money.of("4.20", "EUR")),
            OrderLine(UUID(int=2000 + i % 11), 1, Money.of("12.00", "EUR")),
        ],
        now=T0 + timedelta(seconds=i),
    )
    at = T0 + timedelta(seconds=i, milliseconds=500)
    order.fail_payment(reason="card declined", now=at)
    order.pay(payment_reference=f"auth-{i}", now=at)
    if i % 4:
        order.ship(now=at)
    else:
        order.cancel(reason="changed my mind", now=at)
    return [ORDER_EVENT_CODEC.encode(e, uuid4()) for e in order.pending_events]


async def seed_orders(store: SqlEventStore, events: int) -> None:
    orders = events // 4

    async def writer(start: int) -> None:
        for i in range(start, orders, 16):
            history = order_history(i)
            await store.append(stream_of(UUID(history[0].payload["order_id"])), 0, history)

    await asyncio.gather(*(writer(w) for w in range(16)))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--appends", type=int, default=5000)
    parser.add_argument("--rebuild-events", type=int, default=100_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support.databases import recreate_database

    await recreate_database(args.url)
    database = SqlDatabase(args.url, pool_size=20)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    store = SqlEventStore(database)
    results: dict[str, Any] = {"url": database.engine.url.render_as_string(hide_password=True)}
    try:
        results["appends_per_s_1_writer"] = round(await append_rate(store, args.appends, 1))
        results["appends_per_s_16_writers"] = round(await append_rate(store, args.appends, 16))
        streams = [f"bench-1-0-{i}" for i in range(min(args.appends, 2000))]
        results.update(await read_rates(store, streams))

        seed_started = time.perf_counter()
        await seed_orders(store, args.rebuild_events)
        results["seed_seconds"] = round(time.perf_counter() - seed_started, 1)
        projector = Projector(
            store,
            [
                Projection(SqlOrderSummaryStore(database), fold_summary),
                Projection(SqlOrderDetailsStore(database), fold_details),
            ],
            ORDER_EVENT_CODEC,
            batch_size=1000,
        )
        for name in projector.names:
            started = time.perf_counter()
            rebuilt = await projector.rebuild(name)
            seconds = time.perf_counter() - started
            results[f"rebuild_{name}"] = {
                "events_in_store": rebuilt.events,
                "seconds": round(seconds, 2),
                "events_per_s": round(rebuilt.events / seconds),
            }
    finally:
        await database.dispose()
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"event-store-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
