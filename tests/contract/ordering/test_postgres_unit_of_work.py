"""The ordering unit of work on PostgreSQL, its transaction begun on the driver's own connection
(adapters/persistence/sql/driver_transaction.py): whichever way a unit of work ends (committed,
left without a commit, refused), its connection goes back to the pool in no transaction; one
cut under a unit of work is not lent again. (The ordering contracts run on it too:
test_ordering_stores.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from adapters.catalog.sql import SqlCatalogUnitOfWork
from adapters.ordering.sql import SqlOrderingUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.system.ids import Uuid7Generator
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.shared.errors import DependencyUnavailable
from application.shared.ports.event_store import StreamVersionConflict
from domain.shared.tenant import Tenant
from tests.contract.conftest import empty_event_store, sql_database
from tests.contract.ordering.test_ordering_stores import T0, event
from tests.support.clock import SteppingClock
from tests.support.servers import require_sql_server

pytestmark = pytest.mark.postgres

# This database's other sessions that are in a transaction (idle in it, or running).
_IN_TRANSACTION = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
)


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[tuple[SqlDatabase, SqlDatabase]]:
    """The units of work's database, with one connection (each unit of work gets the one the
    last gave back), and another to watch it from."""
    watching = await sql_database("postgresql", tmp_path)  # the schema, every table empty
    await empty_event_store(watching)
    database = SqlDatabase(require_sql_server("postgresql"), pool_size=1)
    try:
        yield database, watching
    finally:
        await database.dispose()
        await watching.dispose()


async def in_transaction(watching: SqlDatabase) -> list[int]:
    async with watching.autocommit_engine.connect() as connection:
        return list((await connection.execute(_IN_TRANSACTION)).scalars())


async def tea(database: SqlDatabase, stock: int) -> UUID:
    create = CreateProductHandler(
        lambda *, read_only=False: SqlCatalogUnitOfWork(database, read_only=read_only),
        SteppingClock(),
        Uuid7Generator(),
    )
    made = await create(
        CreateProduct(
            tenant=Tenant.single(),
            sku=f"TEA-{uuid4().hex[:6]}",
            name="Tea",
            price_amount="4.20",
            price_currency="EUR",
            stock=stock,
        )
    )
    return made.id


async def stock_of(database: SqlDatabase, product_id: UUID) -> int:
    async with SqlCatalogUnitOfWork(database, read_only=True) as uow:
        found = await uow.products.get(Tenant.single(), product_id)
    assert found is not None
    return found.stock


async def test_every_way_out_leaves_no_transaction_open(
    databases: tuple[SqlDatabase, SqlDatabase],
) -> None:
    database, watching = databases
    product = await tea(database, 10)

    async with SqlOrderingUnitOfWork(database) as uow:  # committed
        assert await uow.stock.take(Tenant.single(), product, 1, reason="order", now=T0)
        await uow.events.append("order-a", 0, [event(1)])
        await uow.commit()
    assert await in_transaction(watching) == []

    async with SqlOrderingUnitOfWork(database) as uow:  # left without a commit
        assert await uow.stock.take(Tenant.single(), product, 2, reason="order", now=T0)
        assert await in_transaction(watching) != []  # the stock is taken in a transaction
    assert await in_transaction(watching) == []

    with pytest.raises(StreamVersionConflict):  # refused at the commit
        async with SqlOrderingUnitOfWork(database) as uow:
            assert await uow.stock.take(Tenant.single(), product, 4, reason="order", now=T0)
            await uow.events.append("order-a", 0, [event(2)])
            await uow.commit()
    assert await in_transaction(watching) == []

    assert await stock_of(database, product) == 9
    assert len(await SqlEventStore(database).read("order-a")) == 1


async def test_a_connection_cut_under_a_unit_of_work_is_not_lent_again(
    databases: tuple[SqlDatabase, SqlDatabase],
) -> None:
    database, watching = databases
    product = await tea(database, 10)

    with pytest.raises(DependencyUnavailable):
        async with SqlOrderingUnitOfWork(database) as uow:
            assert await uow.stock.take(Tenant.single(), product, 1, reason="order", now=T0)
            async with watching.autocommit_engine.connect() as connection:
                for pid in await in_transaction(watching):  # the unit of work's connection
                    await connection.execute(text(f"SELECT pg_terminate_backend({pid})"))
            await uow.events.append("order-a", 0, [event(1)])
            await uow.commit()

    async with SqlOrderingUnitOfWork(database) as uow:  # the pool's one connection, reopened
        assert await uow.stock.take(Tenant.single(), product, 2, reason="order", now=T0)
        await uow.events.append("order-a", 0, [event(2)])
        await uow.commit()
    assert await stock_of(database, product) == 8
    assert [e.version for e in await SqlEventStore(database).read("order-a")] == [1]
