"""A finished catalog unit of work is freed by reference counting, not left to the garbage
collector, on every store.

Its repositories hold it (a reference cycle): one left per product create, with what it opened,
the aggregates it saw and their events, made the collector run about every 60 creates
(bench/README.md, session 18). A unit of work drops what `_begin` set when it ends
(domain/shared/unit_of_work.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.system.ids import Uuid7Generator
from application.catalog.ports import CatalogUnitOfWorkFactory
from domain.catalog.product import Product
from domain.catalog.repository import CatalogUnitOfWork
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from tests.contract.catalog.conftest import MessagingStore
from tests.support.freed import freed_at_once

ids = Uuid7Generator()


def tea(sku: str) -> Product:
    return Product.create(
        tenant=Tenant.single(),
        id=ids.new_id(),
        sku=sku,
        name="Green tea",
        description="Loose leaf, 100 g",
        price=Money.of("12.50", "EUR"),
        stock=7,
        now=datetime(2026, 12, 6, tzinfo=UTC),
    )


async def test_a_committed_unit_of_work_is_freed_at_once(messaging_store: MessagingStore) -> None:
    async def create(uow: CatalogUnitOfWork) -> None:
        async with uow:
            await uow.products.add(tea("SKU-1"))
            await uow.commit()

    assert await freed_at_once(messaging_store.catalog, create)


async def test_a_unit_of_work_that_failed_is_freed_at_once(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    async def fail(uow: CatalogUnitOfWork) -> None:
        with pytest.raises(LookupError):
            async with uow:
                await uow.products.get(Tenant.single(), ids.new_id())
                raise LookupError("the block failed")

    assert await freed_at_once(uow_factory, fail)
