"""PostgreSQL row-level security, the second guard of tenants (docs/tenancy.md, issue 17).

The leak contract (test_tenant_leaks.py) runs again on PostgreSQL, as the role that owns the
tables (so FORCE is what binds it) and is no superuser:

- `unfiltered`: row security on, and adapters that entered the tenant but lost every
  `organisation_id` filter of their statements: the policy alone keeps the tenants apart;
- `on`: row security on, the adapters as they are;
- `off`: PORTICO_POSTGRES_ROW_SECURITY off on the guarded schema: everything as before.

Beside it: a statement that entered no tenant sees nothing and writes nothing, a connection
back in the pool keeps no tenant, and the unfiltered adapters do leak without the policy's
help (else the first case would prove nothing).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from adapters.catalog.postgres import PostgresProductReader
from adapters.catalog.sql import (
    _VIEW,
    SqlCatalogUnitOfWork,
    SqlProductReader,
    SqlProductRepository,
    _after,
    _product,
    _row,
    view,
)
from adapters.catalog.tables import products
from adapters.persistence.sql.database import SqlDatabase
from application.catalog.views import ProductView
from domain.catalog.product import Product
from domain.catalog.repository import CatalogUnitOfWork, ProductPosition
from domain.shared.tenant import Tenant
from entrypoints.cli.startup import check_database
from entrypoints.settings import SettingsError, load_settings
from tests.contract.catalog.conftest import CatalogSides
from tests.contract.catalog.test_tenant_leaks import (
    A,
    B,
    a_catalog,
    product,
    save,
    test_a_sku_is_unique_within_its_tenant_only,
    test_a_unit_of_work_sees_its_staged_products_only_in_their_tenant,
    test_another_tenant_gets_none_of_the_products_by_id,
    test_no_tenant_can_change_or_remove_another_tenants_product,
    test_pages_cursors_and_searches_answer_only_the_tenants_own,
)
from tests.support.databases import with_database
from tests.support.row_security import OWNER, as_owner, guarded_url
from tests.support.servers import require_sql_server

pytestmark = pytest.mark.postgres

# Collected here again, over this module's `sides`.
__all__ = [
    "a_catalog",
    "test_a_sku_is_unique_within_its_tenant_only",
    "test_a_unit_of_work_sees_its_staged_products_only_in_their_tenant",
    "test_another_tenant_gets_none_of_the_products_by_id",
    "test_no_tenant_can_change_or_remove_another_tenants_product",
    "test_pages_cursors_and_searches_answer_only_the_tenants_own",
]


class UnfilteredRepository(SqlProductRepository):
    """The repository with every tenant filter gone: it enters the tenant, and that is all."""

    async def get(self, tenant: Tenant, product_id: UUID) -> Product | None:
        await self._enter(tenant)
        result = await self._conn.execute(select(products).where(products.c.id == product_id))
        row = result.mappings().first()
        if row is None:
            return None
        found = _product(row)
        self._uow.saw(found)
        return found

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[Product]:
        await self._enter(tenant)
        query = select(products).order_by(products.c.created_at, products.c.id).limit(limit)
        if after is not None:
            query = query.where(_after(after.created_at, after.id))
        if name_contains:
            query = query.where(func.lower(products.c.name).contains(name_contains.lower()))
        result = await self._conn.execute(query)
        return [_product(row) for row in result.mappings()]

    async def update(self, product: Product) -> None:
        self._uow.saw(product)
        values = _row(product)
        del values["id"], values["organisation_id"], values["created_at"]
        statement = (
            update(products)
            .where(products.c.id == product.id, products.c.version == product.persisted_version)
            .values(**values)
        )
        await self._write(statement, product, must_match=True)
        product.mark_persisted()

    async def remove(self, product: Product) -> None:
        self._uow.saw(product)
        statement = delete(products).where(
            products.c.id == product.id, products.c.version == product.persisted_version
        )
        await self._write(statement, product, must_match=True)


class UnfilteredUnitOfWork(SqlCatalogUnitOfWork):
    def _open_repositories(self, connection: Any) -> None:
        self.products = UnfilteredRepository(
            connection, self, read_only=self.read_only, enter=self.enter
        )


class UnfilteredReader(SqlProductReader):
    """The reader with every tenant filter gone."""

    async def product(self, tenant: Tenant, product_id: UUID) -> ProductView | None:
        async with self._database.reading(tenant) as connection:
            row = (await connection.execute(_VIEW.where(products.c.id == product_id))).first()
        return None if row is None else view(row)

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[ProductView]:
        query = _VIEW.order_by(products.c.created_at, products.c.id).limit(limit)
        if after is not None:
            query = query.where(_after(after.created_at, after.id))
        if name_contains:
            query = query.where(func.lower(products.c.name).contains(name_contains.lower()))
        async with self._database.reading(tenant) as connection:
            rows = (await connection.execute(query)).all()
        return [view(row) for row in rows]


# "driver": on, with the reader PostgreSQL is served with (PostgresProductReader, on asyncpg).
MODES = ["unfiltered", "on", "driver", "off"]


@pytest.fixture(params=MODES)
async def sides(request: pytest.FixtureRequest) -> AsyncIterator[CatalogSides]:
    mode: str = request.param
    database = as_owner(SqlDatabase(await guarded_url(), pool_size=2, row_security=mode != "off"))
    uow_type = UnfilteredUnitOfWork if mode == "unfiltered" else SqlCatalogUnitOfWork
    readers = {"unfiltered": UnfilteredReader, "driver": PostgresProductReader}
    reader = readers.get(mode, SqlProductReader)(database)

    def uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return uow_type(database, read_only=read_only)

    try:
        yield CatalogSides(uow, reader)
    finally:
        await database.dispose()


@pytest.fixture
async def guarded() -> AsyncIterator[SqlDatabase]:
    """Row security on, one connection: what a read leaves behind, the next use finds."""
    database = as_owner(SqlDatabase(await guarded_url(), pool_size=1, row_security=True))
    try:
        yield database
    finally:
        await database.dispose()


def uow_on(database: SqlDatabase) -> Any:
    def uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only)

    return uow


async def test_a_statement_that_entered_no_tenant_sees_nothing_and_writes_nothing(
    guarded: SqlDatabase,
) -> None:
    await save(CatalogSides(uow_on(guarded), SqlProductReader(guarded)), product(A, "T-1", "T", 1))
    async with guarded.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM products")) == 0
        changed = await connection.execute(text("UPDATE products SET stock = 0"))
        assert changed.rowcount == 0
    row = _row(product(A, "T-2", "Unentered", 2))
    with pytest.raises(DBAPIError, match="row-level security"):
        async with guarded.begin() as connection:
            await connection.execute(products.insert(), row)


@pytest.mark.parametrize("reader", [SqlProductReader, PostgresProductReader])
async def test_a_connection_back_in_the_pool_keeps_no_tenant(
    guarded: SqlDatabase, reader: type[SqlProductReader] | type[PostgresProductReader]
) -> None:
    sides = CatalogSides(uow_on(guarded), reader(guarded))
    tea = product(A, "T-1", "Tea", 1)
    await save(sides, tea)
    assert await sides.reader.product(A, tea.id) is not None  # the read entered A ...
    async with sides.uow(read_only=True) as uow:  # ... and so did a unit of work
        assert await uow.products.get(A, tea.id) is not None
    async with guarded.connect() as connection:  # the same connection (a pool of one)
        assert await connection.scalar(text("SELECT current_setting('portico.tenant', true)")) in (
            None,
            "",
        )
        assert await connection.scalar(text("SELECT count(*) FROM products")) == 0


async def test_every_tenant_is_only_for_a_session_that_says_so(guarded: SqlDatabase) -> None:
    await save(
        CatalogSides(uow_on(guarded), SqlProductReader(guarded)),
        product(A, "T-1", "Tea", 1),
        product(B, "T-1", "Coffee", 2),
    )
    async with guarded.begin() as connection:
        await connection.execute(text("SET LOCAL portico.tenant = '*'"))
        assert await connection.scalar(text("SELECT count(*) FROM products")) == 2


async def test_with_row_security_off_sessions_act_for_every_tenant_as_before() -> None:
    database = as_owner(SqlDatabase(await guarded_url(), pool_size=1, row_security=False))
    try:
        await save(
            CatalogSides(uow_on(database), SqlProductReader(database)),
            product(A, "T-1", "Tea", 1),
            product(B, "T-1", "Coffee", 2),
        )
        async with database.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM products")) == 2
    finally:
        await database.dispose()


async def test_the_unfiltered_adapters_leak_without_the_policy() -> None:
    """The control of the `unfiltered` case: the same adapters, sessions in every tenant."""
    database = as_owner(SqlDatabase(await guarded_url(), pool_size=1, row_security=False))

    def uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return UnfilteredUnitOfWork(database, read_only=read_only)

    try:
        tea = product(A, "T-1", "Tea", 1)
        await save(CatalogSides(uow, UnfilteredReader(database)), tea)
        assert await UnfilteredReader(database).product(B, tea.id) is not None
        assert len(await UnfilteredReader(database).page(B, after=None, limit=10)) == 1
        async with uow(read_only=True) as unit:
            assert await unit.products.get(B, tea.id) is not None
        forged = await _forged_copy(uow, tea)
        async with uow() as unit:  # B's forged aggregate does change A's product here
            await unit.products.update(forged)
            await unit.commit()
        hijacked = await UnfilteredReader(database).product(A, tea.id)
        assert hijacked is not None
        assert hijacked.name == "Hijacked"
    finally:
        await database.dispose()


async def _forged_copy(uow: Any, original: Product) -> Product:
    async with uow(read_only=True) as unit:
        loaded = await unit.products.get(A, original.id)
    forged = Product(
        tenant=B,
        id=loaded.id,
        sku=loaded.sku,
        name="Hijacked",
        description="",
        price=loaded.price,
        stock=0,
        created_at=loaded.created_at,
        updated_at=loaded.updated_at,
        version=loaded.version,
    )
    forged.mark_persisted()
    return forged


async def test_start_up_refuses_row_security_that_would_not_hold() -> None:
    """A superuser is never filtered, and tables without the policy guard nothing: serve
    refuses to start rather than run without the guard it was asked for."""
    guarded = await guarded_url()
    unguarded = with_database(guarded, make_url(require_sql_server("postgresql")).database or "")
    owner = make_url(guarded).set(username=OWNER).render_as_string(hide_password=False)

    def check(url: str) -> None:
        settings = load_settings(
            {"PORTICO_DATABASE_URL": url, "PORTICO_POSTGRES_ROW_SECURITY": "true"}, env_file=None
        )
        check_database(settings)

    with pytest.raises(SettingsError, match="is a superuser, which no policy filters"):
        await asyncio.to_thread(check, guarded)
    with pytest.raises(SettingsError, match="products not guarded"):
        await asyncio.to_thread(check, unguarded)
    await asyncio.to_thread(check, owner)  # a plain role that owns guarded tables: it holds
