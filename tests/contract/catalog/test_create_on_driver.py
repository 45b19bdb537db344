"""On PostgreSQL a product created alone goes as one statement on the driver's own connection
(SqlUnitOfWork._commit_as_one_statement); every other write goes through the engine. Both must
write the same rows: the product's and its outbox row's, value for value."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from adapters.catalog.sql import SqlCatalogUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.system.ids import Uuid7Generator
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from domain.catalog.errors import DuplicateSku
from domain.catalog.product import Product
from domain.shared.money import Money
from domain.shared.tenant import Tenant

pytestmark = pytest.mark.postgres

ids = Uuid7Generator()
events = IntegrationEvents(EventRegistry(CATALOG_EVENTS), ids)
# Not UTC: the engine's UtcDateTime turns it into UTC; the driver's path must store the same.
NOW = datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=2)))


class ThroughTheEngine(SqlCatalogUnitOfWork):
    defers_inserts = False  # BEGIN, the insert, the outbox row, COMMIT: all through the engine


def tea(sku: str) -> Product:
    return Product.create(
        tenant=Tenant.single(),
        id=ids.new_id(),
        sku=sku,
        name="Green tea, 100 g",
        description="Loose leaf, ünïcode",
        price=Money.of("4.50", "EUR"),
        stock=40,
        now=NOW,
    )


async def create(database: SqlDatabase, kind: type[SqlCatalogUnitOfWork], product: Product) -> None:
    async with kind(database, outbox=SqlOutbox(database, events)) as unit:
        await unit.products.add(product)
        await unit.commit()


async def rows(database: SqlDatabase, product: Product) -> tuple[dict[str, Any], dict[str, Any]]:
    """The product's row and its outbox row, without what differs between two products."""
    async with database.connect() as connection:
        found = (
            (
                await connection.execute(
                    text("SELECT * FROM products WHERE id = :id"), {"id": product.id}
                )
            )
            .one()
            ._asdict()
        )
        outboxed = (
            (
                await connection.execute(
                    text("SELECT * FROM outbox WHERE aggregate_id = :id"), {"id": product.id}
                )
            )
            .one()
            ._asdict()
        )
    for varying in ("id", "sku"):
        assert found.pop(varying) == getattr(product, varying)
    payload = json.loads(outboxed.pop("payload"))
    assert payload.pop("sku") == product.sku
    assert {payload.pop(key, None) for key in ("id", "product_id")} - {None} == {str(product.id)}
    for varying in ("event_id", "aggregate_id", "position"):
        outboxed.pop(varying)
    return found, {**outboxed, "payload": payload}


async def test_the_driver_writes_the_rows_the_engine_writes(database: SqlDatabase) -> None:
    on_driver, through_engine = tea("ON-DRIVER"), tea("THROUGH-ENGINE")
    await create(database, SqlCatalogUnitOfWork, on_driver)
    await create(database, ThroughTheEngine, through_engine)
    driver_rows, engine_rows = await rows(database, on_driver), await rows(database, through_engine)
    assert driver_rows == engine_rows
    product, outboxed = driver_rows
    assert product["price_amount"] == Decimal("4.50")
    assert product["created_at"] == NOW
    assert product["created_at"].utcoffset() == timedelta(0)
    assert outboxed["occurred_at"] == NOW
    assert outboxed["sent_at"] is None


async def test_both_refuse_a_duplicate_sku_and_write_no_event(database: SqlDatabase) -> None:
    await create(database, SqlCatalogUnitOfWork, tea("TAKEN"))
    for kind in (SqlCatalogUnitOfWork, ThroughTheEngine):
        duplicate = tea("TAKEN")
        with pytest.raises(DuplicateSku):
            await create(database, kind, duplicate)
        async with database.connect() as connection:
            outboxed = await connection.scalar(
                text("SELECT count(*) FROM outbox WHERE aggregate_id = :id"), {"id": duplicate.id}
            )
        assert outboxed == 0, kind


async def test_a_naive_datetime_is_refused_on_the_driver_as_on_the_engine(
    database: SqlDatabase,
) -> None:
    for kind, sku in ((SqlCatalogUnitOfWork, "NAIVE-1"), (ThroughTheEngine, "NAIVE-2")):
        product = tea(sku)
        product.created_at = NOW.replace(tzinfo=None)
        with pytest.raises(Exception, match="naive datetimes are refused"):
            await create(database, kind, product)
