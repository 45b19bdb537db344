"""PostgresProductReader: the catalog's query side on PostgreSQL, on the asyncpg driver itself;
PostgresProductRepository: SqlProductRepository taking stock on the driver.

The statements are SqlProductReader's (adapters/catalog/sql.py), compiled once for asyncpg; they
run with the driver's own `fetchrow`/`fetch`, which prepare each statement once per connection
and keep it in asyncpg's statement cache, and each row is the view's arguments. SQLAlchemy's
per-statement work (execution context, result, row processing) was about half of an uncached
read's CPU (bench/README.md). What the Core path gave is kept: the connection comes from the
database's one pool (its size, its metrics, the replica and its fallback, outages turned into
DependencyUnavailable: SqlDatabase.reading), the values are the driver's as there (asyncpg's
UUID, `numeric` at its column's scale, aware UTC datetimes), and with tracing on each statement
is a span (the asyncpg instrumentation wraps these calls; the engine's events never see them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Text, bindparam, cast, func, literal_column
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.catalog.sql import (
    TAKE_STOCK,
    VIEW_BY_ID,
    VIEW_PAGES,
    SqlProductRepository,
    page_query,
    view,
    view_query,
)
from adapters.catalog.tables import products
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.driver_sql import DriverStatement, fetchrow_on
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from application.catalog.views import ProductView
from domain.catalog.events import StockAdjusted
from domain.catalog.repository import ProductPosition
from domain.shared.tenant import Tenant

# By the Core statement's identity: page_query hands back one of these very objects.
_SQL = {id(s): DriverStatement(s) for s in (VIEW_BY_ID, *VIEW_PAGES.values())}


def _arguments(statement: Any, parameters: dict[str, Any]) -> tuple[str, list[Any]]:
    compiled = _SQL[id(statement)]
    return compiled.sql, compiled.arguments(parameters)


class PostgresProductReader:
    """ProductReader on PostgreSQL: the same statements and views as SqlProductReader, run on
    the driver's connection of an autocommit checkout (the replica's when there is one)."""

    def __init__(self, database: SqlDatabase) -> None:
        self._database = database

    async def product(self, tenant: Tenant, product_id: UUID) -> ProductView | None:
        sql, arguments = _arguments(*view_query(tenant, product_id))
        async with self._connection(tenant) as connection:
            row = await connection.fetchrow(sql, *arguments)
        return None if row is None else view(row)

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[ProductView]:
        sql, arguments = _arguments(*page_query(tenant, after, limit, name_contains))
        async with self._connection(tenant) as connection:
            rows = await connection.fetch(sql, *arguments)
        return [view(row) for row in rows]

    def _connection(self, tenant: Tenant) -> AbstractAsyncContextManager[Any]:
        """The asyncpg connection of one read, acting for `tenant` when row security is on."""
        return self._database.reading_on_driver(tenant)


# Its `at` goes through UtcDateTime's bind processing (a naive datetime is refused), as on Core.
_TAKE_STOCK = DriverStatement(TAKE_STOCK, bind_processing=True)


class PostgresProductRepository(SqlProductRepository):
    """SqlProductRepository whose stock taking (each line of an order) runs its UPDATE ...
    RETURNING on `driver()`, asyncpg's connection in the unit of work's transaction (a
    DriverTransaction's): SQLAlchemy's execution context and result were a third of the
    statement's CPU in the API process."""

    def __init__(
        self,
        connection: AsyncConnection,
        uow: SqlUnitOfWork,
        *,
        driver: Callable[[], Any],
        enter: Callable[[Tenant], Awaitable[None]],
    ) -> None:
        super().__init__(connection, uow, enter=enter)
        self._driver = driver  # the transaction's, once begun (take_stock flushes first)

    async def _taken_row(self, parameters: dict[str, Any]) -> Mapping[Any, Any] | None:
        row = await fetchrow_on(self._driver(), _TAKE_STOCK, parameters)
        return None if row is None else dict(row.items())


# For a statement that writes with the stock it takes (an order placed in one statement,
# adapters/ordering/postgres_orders.py): TAKE_STOCK, only at the price the writer was given, as a
# CTE: the product's row after the take, or none (a new price, too few units, no such product).
TAKEN_AT_PRICE = TAKE_STOCK.where(
    products.c.price_amount == bindparam("amount"),
    products.c.price_currency == bindparam("currency"),
).cte("taken")


def stock_taken(
    tenant: Tenant, product_id: UUID, quantity: int, *, reason: str, now: datetime
) -> StockAdjusted:
    """The StockAdjusted of such a take but for what only the statement knows: its stock and
    version are 0 here, set in its encoded payload by `payload_after_take`."""
    return StockAdjusted(
        aggregate_id=product_id,
        organisation_id=tenant.organisation_id,
        occurred_at=now,
        version=0,
        delta=-quantity,
        stock=0,
        reason=reason.strip(),
    )


def payload_after_take(payload: Any) -> Any:
    """SQL: `stock_taken`'s encoded payload (a bound text) with TAKEN_AT_PRICE's stock and
    version (StockAdjusted's payload keys, application/catalog/product_events.py)."""
    taken = TAKEN_AT_PRICE.c
    after = func.jsonb_build_object(
        literal_column("'stock'"), taken.stock, literal_column("'version'"), taken.version
    )
    return cast(cast(payload, JSONB).op("||")(after), Text())


__all__ = [
    "TAKEN_AT_PRICE",
    "PostgresProductReader",
    "PostgresProductRepository",
    "payload_after_take",
    "stock_taken",
]
