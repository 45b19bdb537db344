"""PostgreSQL row-level security beyond products (docs/tenancy.md, issue 17 item 3): the order
projections and the outbox, as the role that owns the tables (FORCE binds it; no superuser).
The audit log's: tests/contract/audit/test_row_security.py.

The ordering leak contract (test_tenant_leaks.py) runs again on the guarded schema with row
security on (the stores, the projector and the units of work as they are) and off (as before).
Beside it: a statement that entered no tenant sees no order row or message, while the background
paths (the projector and its rebuilds, the relay's claim, backlog and purge, a unit of work whose
messages span tenants) still see and write every tenant's rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from adapters.catalog.sql import SqlCatalogUnitOfWork
from adapters.ordering.postgres import PostgresOrderDetailsStore
from adapters.ordering.sql import SqlOrderingUnitOfWork
from adapters.ordering.sql_projections import SqlOrderSummaryStore
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.outbox import SqlOutbox
from application.ordering.list_orders import ListOrders
from domain.catalog.repository import CatalogUnitOfWork
from domain.shared.tenant import Tenant
from tests.contract.catalog.test_tenant_leaks import product
from tests.contract.conftest import empty_event_store
from tests.contract.ordering.conftest import OrderingStores, _order_events
from tests.contract.ordering.test_ordering_stores import shop_on
from tests.contract.ordering.test_tenant_leaks import (
    ALICE,
    A,
    B,
    place,
    shop,
    test_a_customers_own_orders_are_exported_from_every_tenant,
    test_an_idempotency_key_places_one_order_per_tenant,
    test_another_tenant_cannot_pay_ship_or_cancel_an_order,
    test_another_tenants_orders_are_not_read_through_any_port,
)
from tests.support.ordering.shop import Shop
from tests.support.row_security import as_owner, guarded_url

pytestmark = pytest.mark.postgres

# Collected here again, over this module's `ordering_stores`.
__all__ = [
    "shop",
    "test_a_customers_own_orders_are_exported_from_every_tenant",
    "test_an_idempotency_key_places_one_order_per_tenant",
    "test_another_tenant_cannot_pay_ship_or_cancel_an_order",
    "test_another_tenants_orders_are_not_read_through_any_port",
]

GUARDED = ("order_summaries", "order_details", "outbox")


async def _stores(database: SqlDatabase) -> OrderingStores:
    await empty_event_store(database)
    outbox = SqlOutbox(database, _order_events())

    def catalog_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only, outbox=outbox)

    def ordering_uow(*, read_only: bool = False) -> SqlOrderingUnitOfWork:
        return SqlOrderingUnitOfWork(database, read_only=read_only, outbox=outbox)

    return OrderingStores(
        catalog_uow,
        ordering_uow,
        SqlEventStore(database),
        SqlOrderSummaryStore(database),
        PostgresOrderDetailsStore(database),  # the container's on PostgreSQL
        outbox,
    )


@pytest.fixture(params=["on", "off"])
async def ordering_stores(request: pytest.FixtureRequest) -> AsyncIterator[OrderingStores]:
    database = as_owner(
        SqlDatabase(await guarded_url(), pool_size=2, row_security=request.param == "on")
    )
    try:
        yield await _stores(database)
    finally:
        await database.dispose()


@pytest.fixture
async def guarded() -> AsyncIterator[SqlDatabase]:
    database = as_owner(SqlDatabase(await guarded_url(), pool_size=2, row_security=True))
    try:
        yield database
    finally:
        await database.dispose()


async def _counts(database: SqlDatabase, *, every_tenant: bool = False) -> dict[str, int]:
    """Each guarded table's row count, as a statement that entered no tenant (or, said on
    purpose, every tenant) sees it."""
    counts = {}
    async with database.begin() as connection:
        if every_tenant:
            await connection.execute(text("SET LOCAL portico.tenant = '*'"))
        for table in GUARDED:
            counts[table] = await connection.scalar(text(f"SELECT count(*) FROM {table}"))
    return counts


async def _orders_of_a_and_b(shop: Shop) -> None:
    """Orders of A and of B, projected (by the projector, with row security as it is)."""
    a_tea, b_tea = await shop.product("TEA", tenant=A), await shop.product("TEA", tenant=B)
    await place(shop, A, a_tea)
    await place(shop, A, a_tea)
    await place(shop, B, b_tea)
    await shop.projector.catch_up()


async def test_a_statement_that_entered_no_tenant_sees_no_order_nor_message(
    guarded: SqlDatabase,
) -> None:
    shop = shop_on(await _stores(guarded))
    await _orders_of_a_and_b(shop)

    assert await _counts(guarded) == dict.fromkeys(GUARDED, 0)
    # The control: the rows are there, of both tenants, for a session that says every tenant.
    everything = await _counts(guarded, every_tenant=True)
    assert everything["order_summaries"] == everything["order_details"] == 3
    assert everything["outbox"] >= 5  # two products and three orders placed
    async with guarded.connect() as connection:  # autocommit: nor writes either
        for table in GUARDED:
            changed = await connection.execute(text(f"DELETE FROM {table}"))
            assert changed.rowcount == 0, table
    assert await _counts(guarded, every_tenant=True) == everything


async def test_the_projector_and_the_stores_answer_each_tenant_its_own(
    guarded: SqlDatabase,
) -> None:
    stores = await _stores(guarded)
    shop = shop_on(stores)
    await _orders_of_a_and_b(shop)

    listed = {t: await shop.list(ListOrders(tenant=t)) for t in (A, B, Tenant.single())}
    assert [len(listed[t].items) for t in (A, B, Tenant.single())] == [2, 1, 0]
    for tenant, other in ((A, B), (B, A)):
        for row in listed[tenant].items:
            assert row.organisation_id == tenant.organisation_id
            assert await stores.details.get(tenant, row.order_id) is not None
            assert await stores.details.get(other, row.order_id) is None
    # A rebuild replaces every tenant's rows (generation + 1, swapped in).
    for name in ("order_summaries", "order_details"):
        await shop.projector.rebuild(name)
    again = await stores.summaries.page_of_customer(ALICE, after=None, limit=10)
    assert {row.organisation_id for row in again} == {A.organisation_id, B.organisation_id}
    assert len(again) == 3


async def test_the_relay_claims_counts_and_purges_the_messages_of_every_tenant(
    guarded: SqlDatabase,
) -> None:
    stores = await _stores(guarded)
    await _orders_of_a_and_b(shop_on(stores))
    outbox = stores.outbox
    assert isinstance(outbox, SqlOutbox)

    pending = await outbox.backlog()
    assert pending >= 5
    assert await outbox.oldest_pending() is not None
    async with outbox.claim(100) as batch:
        assert {event.tenant for event in batch.events} == {A, B}
        batch.sent(len(batch.events))
    assert len(batch.events) == pending
    assert await outbox.backlog() == 0
    assert await outbox.purge_sent(datetime.now(UTC) + timedelta(minutes=1)) == pending
    assert (await _counts(guarded, every_tenant=True))["outbox"] == 0


async def test_a_unit_of_work_writes_messages_of_several_tenants_in_one_transaction(
    guarded: SqlDatabase,
) -> None:
    """Its outbox rows span tenants: it enters every tenant for them, on purpose."""
    stores = await _stores(guarded)
    async with stores.catalog_uow() as uow:
        await uow.products.add(product(A, "T-1", "Tea", 1))
        await uow.products.add(product(B, "T-1", "Coffee", 2))
        await uow.commit()

    outbox = stores.outbox
    assert isinstance(outbox, SqlOutbox)
    async with outbox.claim(10) as batch:
        assert sorted(str(event.tenant.organisation_id) for event in batch.events) == sorted(
            str(t.organisation_id) for t in (A, B)
        )


async def test_every_tenant_ends_with_its_transaction_or_its_loan() -> None:
    """The machinery's `*` is never left on a pooled connection for the next user."""
    database = as_owner(SqlDatabase(await guarded_url(), pool_size=1, row_security=True))
    try:
        stores = await _stores(database)
        await _orders_of_a_and_b(shop_on(stores))  # the projector's steps: transactions in `*`
        outbox = stores.outbox
        assert isinstance(outbox, SqlOutbox)
        assert await outbox.backlog() > 0  # an autocommit read in `*`, on the same connection
        assert await stores.summaries.page_of_customer(ALICE, after=None, limit=10)
        async with outbox.claim(10) as batch:  # a claim in `*`: both tenants' rows
            assert {event.tenant for event in batch.events} == {A, B}
        async with database.connect() as connection:  # the same connection (a pool of one)
            setting = await connection.scalar(
                text("SELECT current_setting('portico.tenant', true)")
            )
            assert setting in (None, "")
        assert await _counts(database) == dict.fromkeys(GUARDED, 0)
    finally:
        await database.dispose()
