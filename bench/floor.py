"""The floor: the least code that serves Portico's benchmarked requests (bench/compare.py).

A bare Litestar app on granian with an asyncpg pool and raw SQL over Portico's own `products`
table, checking a fixed bearer string for writes: no layers, no unit of work, no outbox. The
same routes and JSON shapes as Portico, so wrk sends both the same requests.

    FLOOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portico_bench \
        granian --interface asgi --workers 1 bench.floor:app
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec
from litestar import Litestar, Request, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException

TOKEN = "Bearer floor-token"
# Every row belongs to an organisation; with tenancy off Portico's is the all-zero one, and it
# filters by it, so the floor does too (the same index, the same work for PostgreSQL).
TENANT = UUID(int=0)
_COLUMNS = (
    "id, sku, name, description, price_amount, price_currency, stock, version, created_at, "
    "updated_at"
)
_pool: asyncpg.Pool | None = None


class Price(msgspec.Struct):
    amount: str
    currency: str


class NewProduct(msgspec.Struct, forbid_unknown_fields=True):
    sku: str
    name: str
    price: Price
    description: str = ""
    stock: int = 0


def _out(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "sku": row["sku"],
        "name": row["name"],
        "description": row["description"],
        "price": {"amount": str(row["price_amount"]), "currency": row["price_currency"]},
        "stock": row["stock"],
        "version": row["version"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def db() -> asyncpg.Pool:
    assert _pool is not None
    return _pool


async def _open() -> None:
    global _pool
    url = os.environ.get("FLOOR_DATABASE_URL", "postgresql://postgres@127.0.0.1/portico_bench")
    _pool = await asyncpg.create_pool(url, min_size=10, max_size=20)


async def _close() -> None:
    if _pool is not None:
        await _pool.close()


@get("/health/live", sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "up"}


@get("/api/v1/products/{product_id:uuid}")
async def product(product_id: UUID) -> dict[str, Any]:
    row = await db().fetchrow(
        f"SELECT {_COLUMNS} FROM products WHERE organisation_id = $1 AND id = $2",
        TENANT,
        product_id,
    )
    if row is None:
        raise NotFoundException()
    return _out(row)


@get("/api/v1/products")
async def products(limit: int = 20) -> dict[str, Any]:
    rows = await db().fetch(
        f"SELECT {_COLUMNS} FROM products WHERE organisation_id = $1 "
        "ORDER BY created_at, id LIMIT $2",
        TENANT,
        limit + 1,
    )
    more = len(rows) > limit
    items = [_out(row) for row in rows[:limit]]
    return {"items": items, "next_cursor": items[-1]["id"] if more else None}


def signed_in(request: Request[Any, Any, Any]) -> None:
    """The floor's authentication: one fixed bearer string."""
    if request.headers.get("authorization") != TOKEN:
        raise NotAuthorizedException()


@post("/api/v1/products")
async def create(request: Request[Any, Any, Any], data: NewProduct) -> dict[str, Any]:
    signed_in(request)
    now = datetime.now(UTC)
    row = await db().fetchrow(
        f"INSERT INTO products ({_COLUMNS}, organisation_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9) "
        f"RETURNING {_COLUMNS}",
        uuid4(),
        data.sku.upper(),
        data.name,
        data.description,
        Decimal(data.price.amount),
        data.price.currency,
        data.stock,
        now,
        TENANT,
    )
    assert row is not None
    return _out(row)


def floor_app(*more: Any) -> Litestar:
    """The floor's app, with `more` route handlers (bench/floor_orders.py's)."""
    return Litestar(
        [live, product, products, create, *more],
        on_startup=[_open],
        on_shutdown=[_close],
        logging_config=None,
    )


app = floor_app()
