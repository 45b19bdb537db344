"""Migration 0015 (issue 17, item 3): orders projected before it belong to the single tenant.

Template-only, as tests/migrations/test_history.py: a generated project's history is one revision.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from alembic import command

from adapters.ordering.sql_projections import SqlOrderDetailsStore, SqlOrderSummaryStore
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.types import UtcDateTime
from application.ordering.read_models import OrderFilter
from domain.shared.tenant import Tenant
from entrypoints.cli.db import alembic_config
from tests.migrations.test_migrations import ENGINES, fresh_url


def _old_table(name: str, rows: dict[str, Any]) -> sa.TableClause:
    types: dict[str, Any] = {
        "order_id": sa.Uuid(),
        "customer_id": sa.Uuid(),
        "total_amount": sa.Numeric(12, 2),
        "placed_at": UtcDateTime(),
        "updated_at": UtcDateTime(),
    }
    return sa.table(name, *(sa.column(column, types.get(column)) for column in rows))


@pytest.mark.parametrize("engine", ENGINES)
def test_orders_projected_before_0015_belong_to_the_single_tenant(
    engine: str, tmp_path: Path
) -> None:
    # With tenancy off every request acts within Tenant.single(), and the events of these orders
    # (no organisation_id) decode into it: an upgraded deployment still lists and reads them,
    # and no other tenant does.
    url = fresh_url(engine, tmp_path)
    config = alembic_config(url)
    command.upgrade(config, "0014")
    order_id, customer_id, now = uuid4(), uuid4(), datetime.now(UTC)
    common = {
        "generation": 1,
        "order_id": order_id,
        "customer_id": customer_id,
        "status": "placed",
        "total_amount": Decimal("8.40"),
        "currency": "EUR",
        "placed_at": now,
        "updated_at": now,
        "version": 1,
    }
    summary = {**common, "item_count": 2}
    details = {
        **common,
        "lines": f'[{{"product_id":"{UUID(int=7)}","quantity":2,"unit_price":"4.20"}}]',
        "payment_attempts": 0,
    }
    state = sa.table(
        "projection_state", *(sa.column(c) for c in ("name", "generation", "position"))
    )

    async def before() -> None:
        database = SqlDatabase(url, pool_size=1)
        async with database.begin() as connection:
            await connection.execute(_old_table("order_summaries", summary).insert(), summary)
            await connection.execute(_old_table("order_details", details).insert(), details)
            for name in ("order_summaries", "order_details"):
                await connection.execute(state.insert().values(name=name, generation=1, position=1))
        await database.dispose()

    async def after() -> list[list[UUID]]:
        database = SqlDatabase(url, pool_size=1)
        summaries, details = SqlOrderSummaryStore(database), SqlOrderDetailsStore(database)
        seen = []
        for tenant in (Tenant.single(), Tenant(uuid4())):
            found = await details.get(tenant, order_id)
            seen.append([] if found is None else [found.organisation_id])
            for where in (OrderFilter(), OrderFilter(customer_id=customer_id)):
                page = await summaries.page(tenant, where=where, after=None, limit=10)
                seen.append([row.organisation_id for row in page])
        await database.dispose()
        return seen

    asyncio.run(before())
    command.upgrade(config, "head")
    single = [Tenant.SINGLE_ID]
    assert asyncio.run(after()) == [single, single, single, [], [], []]
    command.downgrade(config, "0014")
