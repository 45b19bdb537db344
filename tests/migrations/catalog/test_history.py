"""Migration 0014 (issue 17, item 6): the products stored before it belong to the single tenant.

Template-only, as tests/migrations/test_history.py: a generated project's history is one revision.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa
from alembic import command

from adapters.catalog.sql import SqlProductReader
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.types import UtcDateTime
from domain.shared.tenant import Tenant
from entrypoints.cli.db import alembic_config
from tests.migrations.test_migrations import ENGINES, fresh_url


@pytest.mark.parametrize("engine", ENGINES)
def test_products_stored_before_0014_belong_to_the_single_tenant(
    engine: str, tmp_path: Path
) -> None:
    # Issue 17, item 6: with tenancy off every request acts within Tenant.single(), so an
    # upgraded deployment still sees its catalog; no other tenant sees it.
    url = fresh_url(engine, tmp_path)
    config = alembic_config(url)
    command.upgrade(config, "0013")
    product_id, now = uuid4(), datetime.now(UTC)
    old_products = sa.table(
        "products",
        *(sa.column(name) for name in ("sku", "name", "description", "price_currency")),
        *(sa.column(name) for name in ("stock", "version")),
        sa.column("price_amount", sa.Numeric(12, 2)),
        sa.column("id", sa.Uuid()),
        sa.column("created_at", UtcDateTime()),
        sa.column("updated_at", UtcDateTime()),
    )
    row = {
        "id": product_id,
        "sku": "TEA-1",
        "name": "Green tea",
        "description": "",
        "price_currency": "EUR",
        "price_amount": Decimal("4.20"),
        "stock": 3,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }

    async def before() -> None:
        database = SqlDatabase(url, pool_size=1)
        async with database.begin() as connection:
            await connection.execute(old_products.insert().values(**row))
        await database.dispose()

    async def after() -> list[str | None]:
        database = SqlDatabase(url, pool_size=1)
        reader = SqlProductReader(database)
        names = []
        for tenant in (Tenant.single(), Tenant(uuid4())):
            view = await reader.product(tenant, product_id)
            names.append(None if view is None else view.name)
            names += [v.name for v in await reader.page(tenant, after=None, limit=10)]
        await database.dispose()
        return names

    asyncio.run(before())
    command.upgrade(config, "head")
    assert asyncio.run(after()) == ["Green tea", "Green tea", None]
