"""The SQL outbox with no retention (PORTICO_OUTBOX_RETENTION=0): relays delete what they sent,
and keep the outbox's guarantees (each event once, in order per aggregate, nothing pending lost)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.tables import outbox
from tests.contract.catalog.conftest import MessagingStore
from tests.contract.catalog.test_outbox import claim_all, create, new_product, relayed_by_three

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
    products, published = await relayed_by_three(store)

    assert len({e.id for e in published}) == len(published) == 16
    for product in products:
        mine = [e for e in published if e.aggregate_id == product.id]
        assert [e.payload.get("delta") for e in mine] == [None, 1, 2, 3]
    assert await rows(database) == 0
