"""An order's read model on PostgreSQL, its `get` on the driver's own calls: what
SqlOrderDetailsStore (Core) answers for the same order it answers too, to the values' very types
(asyncpg's UUID, `numeric`, `timestamptz`, the lines' JSON); another tenant's order is None; an
outage is DependencyUnavailable; the container picks it for a PostgreSQL URL only. (The ordering
contracts and the row security ones run on it too: conftest.py, test_row_security.py.)"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import delete

from adapters.ordering.postgres import PostgresOrderDetailsStore
from adapters.ordering.sql_projections import SqlOrderDetailsStore
from adapters.ordering.tables import order_details
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.tables import projection_state
from application.ordering.read_models import OrderDetails
from application.shared.errors import DependencyUnavailable
from domain.ordering.lines import OrderLine
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from entrypoints.container import build_container
from entrypoints.settings import DatabaseSettings, LoggingSettings, Settings
from tests.contract.conftest import sql_database
from tests.contract.ordering.test_ordering_stores import T0, details

pytestmark = pytest.mark.postgres

OTHER = Tenant(UUID(int=7))


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqlDatabase]:
    database = await sql_database("postgresql", tmp_path)
    async with database.engine.begin() as connection:
        for table in (order_details, projection_state):
            await connection.execute(delete(table))
    try:
        yield database
    finally:
        await database.dispose()


def typed(value: object) -> object:
    """The value with each field's exact type, down through Money and the lines, and a
    Decimal's digits and exponent (its scale)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value), tuple(typed(getattr(value, f.name)) for f in fields))
    if isinstance(value, tuple):
        return tuple(typed(item) for item in value)
    if isinstance(value, Decimal):
        return (Decimal, value, value.as_tuple())
    return (type(value), value)


def every_field(order_id: UUID) -> OrderDetails:
    """An order refunded after payment and shipping: every column holds a value."""
    currency = "JPY"
    return details(
        order_id,
        version=6,
        customer_id=uuid4(),
        status="refunded",
        total=Money(Decimal("1234567890.05"), currency),
        lines=(
            OrderLine(uuid4(), 3, Money(Decimal("0.10"), currency)),
            OrderLine(uuid4(), 1, Money(Decimal("999.00"), currency)),
        ),
        payment_attempts=2,
        payment_reference="auth-\u00e9-1",
        last_payment_failure='declined: "insufficient funds"',
        cancel_reason="customer asked",
        refund_reference="refund-1",
        paid_at=T0 + timedelta(seconds=1, microseconds=1),
        shipped_at=T0 + timedelta(days=1),
        cancelled_at=T0 + timedelta(days=2),
        refunded_at=T0 + timedelta(days=3),
        updated_at=T0 + timedelta(days=3, microseconds=999999),
    )


async def test_it_answers_what_the_core_store_answers_with_the_same_types(
    database: SqlDatabase,
) -> None:
    full, sparse, others = uuid4(), uuid4(), uuid4()
    rows = {
        full: every_field(full),
        sparse: details(sparse),  # placed: the optional columns NULL
        others: details(others, organisation_id=OTHER.organisation_id),
    }
    core = SqlOrderDetailsStore(database)
    assert await core.save(1, rows, from_position=0, to_position=3)
    driver = PostgresOrderDetailsStore(database)

    tenant = Tenant.single()
    for order_id in (full, sparse):
        by_core, by_driver = await core.get(tenant, order_id), await driver.get(tenant, order_id)
        assert by_core == rows[order_id]
        assert typed(by_driver) == typed(by_core)
    by_driver = await driver.get(tenant, full)
    assert by_driver is not None
    assert str(by_driver.total.amount) == "1234567890.05"  # numeric(12, 2): the scale is kept
    assert by_driver.placed_at.utcoffset() == timedelta(0)
    # Another tenant's order, and none at all: None, as on Core.
    for order_id in (others, uuid4()):
        assert await driver.get(tenant, order_id) is None
        assert await core.get(tenant, order_id) is None
    assert await driver.get(OTHER, others) == rows[others]


async def test_it_reads_the_live_generation_only(database: SqlDatabase) -> None:
    store = PostgresOrderDetailsStore(database)
    live, rebuilt = uuid4(), uuid4()
    assert await store.save(1, {live: details(live)}, from_position=0, to_position=2)
    generation = await store.begin_rebuild()
    await store.write(generation, {rebuilt: details(rebuilt)})
    assert await store.get(Tenant.single(), rebuilt) is None
    await store.swap_in(generation, 5)
    assert await store.get(Tenant.single(), rebuilt) == details(rebuilt)
    assert await store.get(Tenant.single(), live) is None


async def test_an_unreachable_server_is_dependency_unavailable(database: SqlDatabase) -> None:
    url = database.engine.url.set(port=1).render_as_string(hide_password=False)
    unreachable = SqlDatabase(url, pool_size=1)
    try:
        with pytest.raises(DependencyUnavailable):
            await PostgresOrderDetailsStore(unreachable).get(Tenant.single(), uuid4())
        assert not unreachable.available
    finally:
        await unreachable.dispose()


async def test_the_container_picks_it_for_postgresql_and_core_elsewhere(
    database: SqlDatabase, tmp_path: Path
) -> None:
    def store(url: str) -> object:
        settings = Settings(
            environment="test",
            persistence="sql",
            database=DatabaseSettings(url=url),
            logging=LoggingSettings(level="ERROR"),
        )
        return build_container(settings).ordering.details()

    url = database.engine.url.render_as_string(hide_password=False)
    assert type(store(url)) is PostgresOrderDetailsStore
    assert type(store(f"sqlite+aiosqlite:///{tmp_path}/x.db")) is SqlOrderDetailsStore
