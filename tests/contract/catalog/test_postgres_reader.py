"""PostgreSQL's ProductReader, on the driver's own calls: what SqlProductReader (Core) answers it
answers too, to the values' very types; the container picks it for a PostgreSQL URL only; a
pooled connection cut by the server is not handed to a read again; the pool metrics still see
its checkouts; one due to be reopened is reopened by the read that meets it, one put back
inside a transaction is not lent in it, and a read waits for a connection when all are lent.
(The ProductReader and tenant leak contracts run on it too: conftest.py.)"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from sqlalchemy import text
from sqlalchemy.util import greenlet_spawn

from adapters.catalog.postgres import PostgresProductReader
from adapters.catalog.sql import SqlCatalogUnitOfWork, SqlProductReader
from adapters.persistence.sql.database import SqlDatabase
from application.catalog.views import ProductView
from application.shared.errors import DependencyUnavailable
from domain.catalog.repository import ProductPosition
from domain.shared.tenant import Tenant
from entrypoints.container import build_container
from entrypoints.metrics.dependencies import DependencyMetrics
from entrypoints.settings import DatabaseSettings, LoggingSettings, Settings
from tests.contract.catalog.test_catalog_unit_of_work import T0, new_product
from tests.support.metrics import samples

pytestmark = pytest.mark.postgres


def url_of(database: SqlDatabase) -> str:
    return database.engine.url.render_as_string(hide_password=False)


async def save_some(database: SqlDatabase) -> None:
    async with SqlCatalogUnitOfWork(database) as uow:
        for n, name in enumerate(["Green tea", "Black tea", "Tea 100% leaf", "Coffee"]):
            product = new_product(f"SKU-{n}", name=name, at=T0 + timedelta(seconds=n))
            await uow.products.add(product)
        await uow.commit()


def typed(views: list[ProductView]) -> list[tuple[object, ...]]:
    """Each field's value with its exact type, and a Decimal's digits and exponent."""
    return [
        tuple(
            (type(value), value, getattr(value, "as_tuple", lambda: None)())
            for value in (getattr(v, field) for field in ProductView.__slots__)
        )
        for v in views
    ]


async def test_it_answers_what_the_core_reader_answers_with_the_same_types(
    database: SqlDatabase,
) -> None:
    await save_some(database)
    driver, core = PostgresProductReader(database), SqlProductReader(database)
    tenant = Tenant.single()

    first = await core.page(tenant, after=None, limit=10)
    assert len(first) == 4
    after = ProductPosition(first[0].created_at, first[0].id)
    for kwargs in (
        {"after": None, "limit": 10},
        {"after": None, "limit": 2},
        {"after": after, "limit": 10},
        {"after": None, "limit": 10, "name_contains": "TEA"},
        {"after": after, "limit": 10, "name_contains": "0% l"},
    ):
        assert typed(await driver.page(tenant, **kwargs)) == typed(  # type: ignore[arg-type]
            await core.page(tenant, **kwargs)  # type: ignore[arg-type]
        ), kwargs
    for view in first:
        by_driver = await driver.product(tenant, view.id)
        assert by_driver is not None
        assert typed([by_driver]) == typed([view])
    assert str(first[0].price_amount) == "12.50"  # numeric(12, 2): the scale is kept


async def test_the_container_picks_it_for_postgresql_and_core_elsewhere(
    database: SqlDatabase, tmp_path: Path
) -> None:
    def reader(url: str) -> object:
        settings = Settings(
            environment="test",
            persistence="sql",
            database=DatabaseSettings(url=url),
            logging=LoggingSettings(level="ERROR"),
        )
        return build_container(settings).catalog.reader()

    assert type(reader(url_of(database))) is PostgresProductReader
    assert type(reader(f"sqlite+aiosqlite:///{tmp_path}/x.db")) is SqlProductReader


async def test_pooled_connections_the_server_cut_are_not_used_again(
    database: SqlDatabase,
) -> None:
    await save_some(database)
    pooled = SqlDatabase(url_of(database), pool_size=2)
    reader = PostgresProductReader(pooled)
    try:
        [product] = await reader.page(Tenant.single(), after=None, limit=1)
        async with pooled.reading_on_driver() as one, pooled.reading_on_driver() as two:
            pids = [await c.fetchval("SELECT pg_backend_pid()") for c in (one, two)]
        async with database.connect() as admin:  # as a restart of the server would
            for pid in pids:
                assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 30  # patience, not a measure
        while not (one.is_closed() and two.is_closed()):  # the driver read the server's goodbye
            assert time.monotonic() < deadline, "the driver never saw its connections cut"
            await asyncio.sleep(0.01)

        # Both pooled connections are gone: the read opens another instead of failing.
        assert await reader.product(Tenant.single(), product.id) == product
        async with pooled.reading_on_driver() as connection:
            assert await connection.fetchval("SELECT pg_backend_pid()") not in pids
        assert pooled.available
    finally:
        await pooled.dispose()


async def test_its_checkouts_show_in_the_pool_metrics(database: SqlDatabase) -> None:
    await save_some(database)
    observed = SqlDatabase(url_of(database), pool_size=2)
    metrics = DependencyMetrics()
    observed.observe_pool(metrics)
    reader = PostgresProductReader(observed)

    def in_use() -> float:
        found = samples(generate_latest(metrics.registry).decode())
        return found[
            (
                "portico_db_pool_connections",
                frozenset({("database", "database"), ("state", "in_use")}),
            )
        ]

    try:
        async with reader._connection(Tenant.single()):
            assert in_use() == 1
        assert in_use() == 0
        assert len(await reader.page(Tenant.single(), after=None, limit=10)) == 4
    finally:
        await observed.dispose()


async def test_a_connection_cut_under_a_statement_is_a_503_and_leaves_the_pool(
    database: SqlDatabase,
) -> None:
    await save_some(database)
    single = SqlDatabase(url_of(database), pool_size=1)
    try:
        async with single.reading_on_driver() as connection:
            pid = await connection.fetchval("SELECT pg_backend_pid()")

        async def sleep_on_it() -> None:
            async with single.reading_on_driver() as connection:
                await connection.fetchval("SELECT pg_sleep(30)")

        sleeping = asyncio.create_task(sleep_on_it())
        async with database.connect() as admin:
            deadline = time.monotonic() + 30  # patience, not a measure
            while not await admin.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND query LIKE :q"),
                {"pid": pid, "q": "%pg_sleep%"},
            ):
                assert time.monotonic() < deadline, "the statement never started"
                await asyncio.sleep(0.01)
            assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DependencyUnavailable):
            await sleeping
        assert not single.available

        # Nor does the engine's own checkout get it as it is: it opens another.
        async with single.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != pid

        # The cut connection did not go back to the pool: the next read has a new one.
        [view] = await PostgresProductReader(single).page(Tenant.single(), after=None, limit=1)
        assert view.sku == "SKU-0"
        assert single.available
    finally:
        await single.dispose()


async def test_a_connection_the_engine_invalidated_is_reopened_for_the_next_read(
    database: SqlDatabase,
) -> None:
    await save_some(database)
    single = SqlDatabase(url_of(database), pool_size=1)
    try:
        async with single.reading_on_driver() as connection:
            pid = await connection.fetchval("SELECT pg_backend_pid()")
        async with single.connect() as engines:
            await engines.invalidate()  # as the engine does when a statement lost it

        async with single.reading_on_driver() as connection:
            assert await connection.fetchval("SELECT pg_backend_pid()") != pid
        assert single.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await single.dispose()


async def test_a_pooled_connection_left_in_a_transaction_is_not_lent_in_it(
    database: SqlDatabase,
) -> None:
    # Put back inside a transaction begun on the driver itself, which SQLAlchemy's adapter
    # knows nothing of: lent as it is, a read would see that transaction's snapshot and miss
    # a write that returned after it.
    await save_some(database)
    single = SqlDatabase(url_of(database), pool_size=1)
    reader = PostgresProductReader(single)
    try:
        async with single.reading_on_driver() as connection:
            await connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            await connection.fetchval("SELECT 1")  # its snapshot taken
        async with SqlCatalogUnitOfWork(database) as uow:
            await uow.products.add(new_product("SKU-LATE", name="Oolong", at=T0))
            await uow.commit()

        page = await reader.page(Tenant.single(), after=None, limit=10)
        assert "SKU-LATE" in {view.sku for view in page}
        async with single.reading_on_driver() as connection:
            assert not connection.is_in_transaction()
        assert single.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        await single.dispose()


async def test_a_pooled_connection_due_to_be_reopened_is_reopened_by_the_read_that_meets_it(
    database: SqlDatabase,
) -> None:
    # One connection: the checkout that finds it due (soft-invalidated, as a recycle or the
    # pool's invalidation marks it) hands it back and takes it again, opened anew.
    single = SqlDatabase(url_of(database), pool_size=1)
    pool = single.engine.sync_engine.pool
    try:
        async with single.reading_on_driver() as connection:
            first = await connection.fetchval("SELECT pg_backend_pid()")
        pooled = await greenlet_spawn(pool.connect)
        pooled.invalidate(soft=True)
        pooled.close()
        for _ in range(2):
            async with single.reading_on_driver() as connection:
                assert await connection.fetchval("SELECT pg_backend_pid()") != first
        assert pool.checkedin() == 1  # type: ignore[attr-defined]
        assert single.available
    finally:
        await single.dispose()


async def test_concurrent_reads_share_the_pool_within_its_size_and_return_each_connection(
    database: SqlDatabase,
) -> None:
    await save_some(database)
    pair = SqlDatabase(url_of(database), pool_size=2)
    reader = PostgresProductReader(pair)
    pool = pair.engine.pool
    try:
        products = await reader.page(Tenant.single(), after=None, limit=10)
        most = 0

        async def read(n: int) -> ProductView | None:
            nonlocal most
            async with pair.reading_on_driver() as connection:
                most = max(most, pool.checkedout())  # type: ignore[attr-defined]
                await connection.fetchval("SELECT pg_sleep(0.01)")
            return await reader.product(Tenant.single(), products[n % 4].id)

        read_back = await asyncio.gather(*(read(n) for n in range(12)))
        assert read_back == [products[n % 4] for n in range(12)]
        assert most == 2  # every read had one of the two; none more were opened
        assert (pool.checkedout(), pool.checkedin()) == (0, 2)  # type: ignore[attr-defined]
    finally:
        await pair.dispose()


async def test_a_read_waits_for_a_connection_when_every_one_is_lent(
    database: SqlDatabase,
) -> None:
    single = SqlDatabase(url_of(database), pool_size=1)
    order: list[str] = []

    async def read(name: str) -> None:
        async with single.reading_on_driver() as connection:
            order.append(f"{name} got")
            await connection.fetchval("SELECT pg_sleep(0.05)")
            order.append(f"{name} done")

    try:
        await asyncio.gather(read("first"), read("second"))
        assert order == ["first got", "first done", "second got", "second done"]
    finally:
        await single.dispose()
