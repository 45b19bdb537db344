"""SqlCatalogUnitOfWork and SqlProductRepository: products in a SQL table, via SQLAlchemy Core.

Every statement names the tenant (organisation_id): reads by it, writes by the product's. With
PostgreSQL row security on, each also runs after entering its tenant (`enter`, and `reading`), so
the table's policy keeps tenants apart a second time (docs/tenancy.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.catalog.tables import products
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from application.catalog.views import ProductView
from domain.catalog.errors import DuplicateSku
from domain.catalog.product import Product
from domain.catalog.repository import CatalogUnitOfWork, ProductPosition, ProductRepository
from domain.shared.errors import ConcurrentUpdate
from domain.shared.money import Money
from domain.shared.tenant import Tenant


def _after(created_at: Any, product_id: Any) -> Any:
    """Keyset: after (created_at, id). The leading `>=` is what the index range seeks on (the OR
    alone is a filter over every row of the tenant before the position, on every engine)."""
    return and_(
        products.c.created_at >= created_at,
        or_(
            products.c.created_at > created_at,
            and_(products.c.created_at == created_at, products.c.id > product_id),
        ),
    )


# Built once: constructing a statement per call costs about a quarter of a read's CPU.
_MINE = products.c.organisation_id == bindparam("tenant")
_BY_ID = select(products).where(_MINE, products.c.id == bindparam("product_id"))
# The columns it sets are the parameters named after them; the WHERE's are named apart.
_UPDATE = update(products).where(
    products.c.organisation_id == bindparam("w_tenant"),
    products.c.id == bindparam("w_id"),
    products.c.version == bindparam("w_version"),
)

# Stock taken in one statement where the engine returns the updated row (PostgreSQL, SQLite):
# concurrent takers wait for the row lock instead of one rerunning its whole transaction on a
# stale version, and the read before the update is one round trip fewer.
TAKE_STOCK = (
    update(products)
    .where(_MINE, products.c.id == bindparam("product_id"), products.c.stock >= bindparam("n"))
    .values(
        stock=products.c.stock - bindparam("n"),
        version=products.c.version + 1,
        updated_at=bindparam("at"),
    )
    .returning(*products.c)
)


def _duplicate(product: Product, error: IntegrityError) -> DuplicateSku | None:
    """The product's SKU is taken (the tenant's unique SKU index refused the row)."""
    return DuplicateSku(product.sku) if "sku" in str(error.orig).lower() else None


class SqlProductRepository(ProductRepository):
    def __init__(
        self,
        connection: AsyncConnection,
        uow: SqlUnitOfWork,
        *,
        read_only: bool = False,
        enter: Callable[[Tenant], Awaitable[None]],
    ) -> None:
        self._conn = connection
        self._uow = uow
        self._read_only = read_only
        self._enter = enter  # before each statement: the unit of work's SqlUnitOfWork.enter

    async def add(self, product: Product) -> None:
        self._uow.saw(product)
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot write")
        await self._enter(product.tenant)
        # Sent now, or with the commit (SqlUnitOfWork.defers_inserts, never with row security).
        await self._uow.insert(products, _row(product), partial(_duplicate, product))
        product.mark_persisted()

    async def get(self, tenant: Tenant, product_id: UUID) -> Product | None:
        await self._uow.flush()  # a product added in this unit of work is found
        await self._enter(tenant)
        parameters = {"tenant": tenant.organisation_id, "product_id": product_id}
        result = await self._conn.execute(_BY_ID, parameters)
        row = result.mappings().first()
        if row is None:
            return None
        product = _product(row)
        self._uow.saw(product)
        return product

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[Product]:
        query = (
            select(products)
            .where(products.c.organisation_id == tenant.organisation_id)
            .order_by(products.c.created_at, products.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(_after(after.created_at, after.id))
        if name_contains:
            query = query.where(
                func.lower(products.c.name).contains(name_contains.lower(), autoescape=True)
            )
        await self._uow.flush()
        await self._enter(tenant)
        result = await self._conn.execute(query)
        return [_product(row) for row in result.mappings()]

    async def update(self, product: Product) -> None:
        self._uow.saw(product)
        values = _row(product)
        del values["id"], values["organisation_id"], values["created_at"]
        values["w_tenant"], values["w_id"] = product.tenant.organisation_id, product.id
        values["w_version"] = product.persisted_version
        await self._write(_UPDATE, product, values, must_match=True)
        product.mark_persisted()

    async def take_stock(
        self, tenant: Tenant, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> Product | None:
        """Take `quantity` units in one UPDATE ... RETURNING: the product after it, with its
        StockAdjusted recorded. None when nothing was taken: no such product, too few units, or
        an engine that cannot return an updated row (MariaDB); the caller reads to know which."""
        if self._read_only or not self._conn.engine.dialect.update_returning:
            return None
        await self._uow.flush()
        await self._enter(tenant)
        parameters = {
            "tenant": tenant.organisation_id,
            "product_id": product_id,
            "n": quantity,
            "at": now,
        }
        row = await self._taken_row(parameters)
        if row is None:
            return None
        product = taken_product(row, quantity, reason=reason, now=now)
        self._uow.saw(product)
        return product

    async def _taken_row(self, parameters: dict[str, Any]) -> Mapping[Any, Any] | None:
        """TAKE_STOCK's row, if it took the units."""
        return (await self._conn.execute(TAKE_STOCK, parameters)).mappings().first()

    async def remove(self, product: Product) -> None:
        self._uow.saw(product)
        statement = delete(products).where(
            *_the(product), products.c.version == product.persisted_version
        )
        await self._write(statement, product, must_match=True)

    async def _write(
        self,
        statement: Any,
        product: Product,
        parameters: dict[str, Any] | None = None,
        *,
        must_match: bool = False,
    ) -> None:
        if self._read_only:
            # Autocommit would make the write durable at once: refuse it instead.
            raise RuntimeError("a read-only unit of work cannot write")
        await self._uow.flush()
        await self._enter(product.tenant)
        try:
            result = await self._conn.execute(statement, parameters)
        except IntegrityError as error:
            raise (_duplicate(product, error) or error) from None
        if must_match and result.rowcount != 1:
            raise ConcurrentUpdate(f"product {product.id} was changed or deleted meanwhile")


# The query side's columns, in ProductView's order: a row is the view's arguments.
_VIEW = select(
    products.c.id,
    products.c.sku,
    products.c.name,
    products.c.description,
    products.c.price_amount,
    products.c.price_currency,
    products.c.stock,
    products.c.version,
    products.c.created_at,
    products.c.updated_at,
)
VIEW_BY_ID = _VIEW.where(_MINE, products.c.id == bindparam("product_id"))
_AFTER = _after(bindparam("after_at"), bindparam("after_id"))
_ORDER = (products.c.created_at, products.c.id)


def _view_page(*, after: bool, search: bool) -> Any:
    query = _VIEW.where(_MINE).order_by(*_ORDER).limit(bindparam("limit"))
    if after:
        query = query.where(_AFTER)
    if search:
        # The pattern is a parameter so that the statement is built once: the reader escapes
        # % and _ itself, with "/" as contains(autoescape=True) does (no backslash quoting).
        query = query.where(func.lower(products.c.name).like(bindparam("pattern"), escape="/"))
    return query


# Built once each, so SQLAlchemy's compiled cache answers every call after the first.
VIEW_PAGES = {(a, s): _view_page(after=a, search=s) for a in (False, True) for s in (False, True)}


def view_query(tenant: Tenant, product_id: UUID) -> tuple[Any, dict[str, Any]]:
    """The statement of one product's view, and its parameters."""
    return VIEW_BY_ID, {"tenant": tenant.organisation_id, "product_id": product_id}


def page_query(
    tenant: Tenant, after: ProductPosition | None, limit: int, name_contains: str | None
) -> tuple[Any, dict[str, Any]]:
    """The statement of a page of views (one of VIEW_PAGES), and its parameters."""
    parameters: dict[str, Any] = {"tenant": tenant.organisation_id, "limit": limit}
    if after is not None:
        parameters["after_at"], parameters["after_id"] = after.created_at, after.id
    if name_contains:
        parameters["pattern"] = f"%{_escape_like(name_contains.lower())}%"
    return VIEW_PAGES[after is not None, bool(name_contains)], parameters


class SqlProductReader:
    """ProductReader on an autocommit connection (the replica's when there is one): one
    statement, rows straight to views, no unit of work and no aggregate. PostgreSQL runs the
    same statements on its driver instead (adapters/catalog/postgres.py)."""

    def __init__(self, database: SqlDatabase) -> None:
        self._database = database

    async def product(self, tenant: Tenant, product_id: UUID) -> ProductView | None:
        statement, parameters = view_query(tenant, product_id)
        async with self._database.reading(tenant) as connection:
            result = await connection.execute(statement, parameters)
            row = result.first()
        return None if row is None else view(row)

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[ProductView]:
        statement, parameters = page_query(tenant, after, limit, name_contains)
        async with self._database.reading(tenant) as connection:
            result = await connection.execute(statement, parameters)
            rows = result.all()
        return [view(row) for row in rows]


def view(row: Sequence[Any]) -> ProductView:
    return ProductView(*row)  # the columns of _VIEW are its fields, in order


def _escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


class SqlCatalogUnitOfWork(SqlUnitOfWork, CatalogUnitOfWork):
    defers_inserts = True  # a product created: one statement with its outbox row (PostgreSQL)

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.products = SqlProductRepository(
            connection, self, read_only=self.read_only, enter=self.enter
        )


def _the(product: Product) -> tuple[Any, ...]:
    """The WHERE clause of one product: its id within its tenant."""
    return products.c.organisation_id == product.tenant.organisation_id, products.c.id == product.id


def _row(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "organisation_id": product.tenant.organisation_id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price_amount": product.price.amount,
        "price_currency": product.price.currency,
        "stock": product.stock,
        "version": product.version,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def taken_product(row: Mapping[Any, Any], quantity: int, *, reason: str, now: datetime) -> Product:
    """The product of TAKE_STOCK's row (after the take): the aggregate as it was, then its own
    change, checked and recorded as on the read path; it comes to the row the statement wrote
    (version, stock, updated_at)."""
    before = {**row, "stock": row["stock"] + quantity, "version": row["version"] - 1}
    product = _product(before)
    product.adjust_stock(delta=-quantity, reason=reason, now=now)
    product.mark_persisted()
    return product


def _product(row: Mapping[Any, Any]) -> Product:
    return Product(
        tenant=Tenant(row["organisation_id"]),
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        description=row["description"],
        price=Money(row["price_amount"], row["price_currency"]),
        stock=row["stock"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


__all__ = [
    "VIEW_BY_ID",
    "VIEW_PAGES",
    "SqlCatalogUnitOfWork",
    "SqlProductReader",
    "SqlProductRepository",
    "page_query",
    "taken_product",
    "view",
    "view_query",
]
