"""The SQL outbox with no retention (PORTICO_OUTBOX_RETENTION=0): relays delete what they sent,
and keep the outbox's guarantees (each event once, in order per aggregate, nothing pending lost)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.tables import outbox
from application.shared.ports.messaging import IntegrationEvent
from tests.contract.catalog.conftest import MessagingStore
from tests.contract.catalog.test_outbox import adjust, claim_all, create, new_product

ForgettingStore = tuple[MessagingStore, SqlDatabase]


async def rows(database: SqlDatabase) -> int:
    async with database.connect(every_tenant=True) as connection:
        return int(await connection.scalar(select(func.count()).select_from(outbox)) or 0)


async def test_sent_rows_leave_the_table_and_the_rest_wait(
    forgetting_store: ForgettingStore,
) -> None:
    store, database = forgetting_store
    await create(store, new_product("SKU-1"), new_product("SKU-2"))
    await create(store, new_product("SKU-3"))
    async with store.outbox.claim(10) as batch:
        batch.sent(2)

    assert await rows(database) == 1
    assert await store.outbox.backlog() == 1
    assert [e.payload["sku"] for e in await claim_all(store)] == ["SKU-3"]
    # Nothing sent is left for housekeeping; the pending row survives any cutoff.
    assert await store.outbox.purge_sent(datetime.now(UTC) + timedelta(hours=1)) == 0
    assert await rows(database) == 1


async def test_an_unsent_batch_stays_whole(forgetting_store: ForgettingStore) -> None:
    store, database = forgetting_store
    await create(store, new_product("SKU-1"))
    async with store.outbox.claim(10) as batch:
        assert len(batch.events) == 1  # claimed, never published

    assert await rows(database) == 1
    assert await store.outbox.backlog() == 1


async def test_concurrent_relays_delete_each_event_once_in_order_per_aggregate(
    forgetting_store: ForgettingStore,
) -> None:
    store, database = forgetting_store
    products = [new_product(f"SKU-{n}") for n in range(4)]
    await create(store, *products)
    for round_ in range(3):
        for product in products:
            await adjust(store, product.id, round_ + 1)
    published: list[IntegrationEvent] = []

    async def relay(number: int) -> None:
        while True:
            async with store.outbox.claim(3) as batch:
                if batch.events:
                    await asyncio.sleep(0.02 / (number + 1))
                    published.extend(batch.events)
                    batch.sent(len(batch.events))
            if not batch.events and await store.outbox.backlog() == 0:
                return
            await asyncio.sleep(0.001)

    async with asyncio.timeout(30):
        await asyncio.gather(*(relay(number) for number in range(3)))

    assert len({e.id for e in published}) == len(published) == 16
    for product in products:
        mine = [e for e in published if e.aggregate_id == product.id]
        assert [e.payload.get("delta") for e in mine] == [None, 1, 2, 3]
    assert await rows(database) == 0
