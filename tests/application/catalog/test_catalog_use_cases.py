"""Catalog use cases on the memory adapters, with a clock the test controls."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from adapters.cache.none import NoCache
from adapters.catalog.memory import MemoryCatalogStore, MemoryCatalogUnitOfWork, MemoryProductReader
from adapters.system.ids import Uuid7Generator
from application.catalog.adjust_stock import AdjustStock, AdjustStockHandler
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.catalog.delete_product import DeleteProduct, DeleteProductHandler
from application.catalog.get_product import GetProduct
from application.catalog.list_products import ListProducts
from application.catalog.read_cache import cached_get_product, cached_list_products
from application.catalog.update_product import UpdateProduct, UpdateProductHandler
from application.shared.read_through import ReadThrough
from domain.catalog.errors import DuplicateSku, InsufficientStock, ProductNotFound
from domain.catalog.repository import CatalogUnitOfWork
from domain.shared.errors import ConcurrentUpdate, InvalidValue, StaleVersion
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock


class Catalog:
    """The catalog's use cases over one in-memory store."""

    def __init__(self, clock: SteppingClock) -> None:
        store = MemoryCatalogStore()

        def uow(*, read_only: bool = False) -> CatalogUnitOfWork:
            return MemoryCatalogUnitOfWork(store, read_only=read_only)

        # No cache here: these tests are about the rules; tests/application/test_cached_reads.py
        # covers the cached reads.
        reads = ReadThrough(NoCache(), single_flight=False)
        self.create = CreateProductHandler(uow, clock, Uuid7Generator())
        self.update = UpdateProductHandler(uow, clock)
        self.adjust = AdjustStockHandler(uow, clock)
        self.delete = DeleteProductHandler(uow, clock)
        self.get = cached_get_product(MemoryProductReader(store), reads, timedelta(minutes=1))
        self.list = cached_list_products(MemoryProductReader(store), reads, timedelta(minutes=1))


@pytest.fixture
def catalog(clock: SteppingClock) -> Catalog:
    return Catalog(clock)


def tea(sku: str = "TEA-1", **fields: object) -> CreateProduct:
    values: dict[str, object] = {
        "sku": sku,
        "name": "Green tea",
        "price_amount": "3.20",
        "price_currency": "EUR",
        "stock": 5,
    }
    values.update(fields)
    return CreateProduct(tenant=Tenant.single(), **values)  # type: ignore[arg-type]


async def test_create_then_get(catalog: Catalog) -> None:
    created = await catalog.create(tea())
    fetched = await catalog.get(GetProduct(Tenant.single(), created.id))
    assert fetched == created
    assert fetched.price_amount == Decimal("3.20")


async def test_get_of_an_unknown_product_fails(catalog: Catalog) -> None:
    with pytest.raises(ProductNotFound):
        await catalog.get(GetProduct(Tenant.single(), uuid4()))


async def test_update_is_partial_and_checks_the_expected_version(catalog: Catalog) -> None:
    created = await catalog.create(tea(description="Loose leaf"))
    updated = await catalog.update(
        UpdateProduct(
            tenant=Tenant.single(), product_id=created.id, expected_version=1, name="Sencha"
        )
    )
    assert (updated.name, updated.description, updated.version) == ("Sencha", "Loose leaf", 2)

    with pytest.raises(StaleVersion) as caught:
        await catalog.update(
            UpdateProduct(
                tenant=Tenant.single(), product_id=created.id, expected_version=1, name="Old"
            )
        )
    assert (caught.value.expected, caught.value.actual) == (1, 2)


async def test_update_needs_amount_and_currency_together(catalog: Catalog) -> None:
    created = await catalog.create(tea())
    with pytest.raises(InvalidValue) as caught:
        await catalog.update(
            UpdateProduct(tenant=Tenant.single(), product_id=created.id, price_amount="1.00")
        )
    assert caught.value.field == "price"


async def test_taking_another_products_sku_is_refused(catalog: Catalog) -> None:
    await catalog.create(tea("TEA-1"))
    other = await catalog.create(tea("TEA-2"))
    with pytest.raises(DuplicateSku):
        await catalog.update(
            UpdateProduct(tenant=Tenant.single(), product_id=other.id, sku="tea-1")
        )
    with pytest.raises(DuplicateSku):
        await catalog.create(tea("tea-1"))


async def test_stock_adjustments(catalog: Catalog) -> None:
    created = await catalog.create(tea(stock=2))
    after = await catalog.adjust(
        AdjustStock(tenant=Tenant.single(), product_id=created.id, delta=3, reason="delivery")
    )
    assert (after.stock, after.version) == (5, 2)
    with pytest.raises(InsufficientStock):
        await catalog.adjust(AdjustStock(tenant=Tenant.single(), product_id=created.id, delta=-6))
    assert (await catalog.get(GetProduct(Tenant.single(), created.id))).stock == 5


async def test_concurrent_adjustments_lose_no_update(catalog: Catalog) -> None:
    created = await catalog.create(tea(stock=0))

    async def add_one() -> bool:
        try:
            await catalog.adjust(
                AdjustStock(tenant=Tenant.single(), product_id=created.id, delta=1)
            )
        except ConcurrentUpdate:
            return False
        return True

    results = await asyncio.gather(*(add_one() for _ in range(20)))
    assert (await catalog.get(GetProduct(Tenant.single(), created.id))).stock == sum(results)


async def test_delete(catalog: Catalog) -> None:
    created = await catalog.create(tea())
    with pytest.raises(StaleVersion):
        await catalog.delete(
            DeleteProduct(tenant=Tenant.single(), product_id=created.id, expected_version=9)
        )
    await catalog.delete(
        DeleteProduct(tenant=Tenant.single(), product_id=created.id, expected_version=1)
    )
    with pytest.raises(ProductNotFound):
        await catalog.get(GetProduct(Tenant.single(), created.id))
    with pytest.raises(ProductNotFound):
        await catalog.delete(DeleteProduct(tenant=Tenant.single(), product_id=created.id))


async def test_list_walks_every_page_once_in_creation_order(catalog: Catalog) -> None:
    made = [(await catalog.create(tea(f"SKU-{i:02}"))).sku for i in range(7)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await catalog.list(ListProducts(tenant=Tenant.single(), limit=3, cursor=cursor))
        seen.extend(item.sku for item in page.items)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == made
    assert pages == 3


async def test_an_exact_last_page_has_no_next_cursor(catalog: Catalog) -> None:
    for i in range(4):
        await catalog.create(tea(f"SKU-{i}"))
    first = await catalog.list(ListProducts(tenant=Tenant.single(), limit=2))
    assert first.next_cursor is not None
    second = await catalog.list(
        ListProducts(tenant=Tenant.single(), limit=2, cursor=first.next_cursor)
    )
    assert len(second.items) == 2
    assert second.next_cursor is None


async def test_list_searches_names(catalog: Catalog) -> None:
    await catalog.create(tea("SKU-1", name="Green tea"))
    await catalog.create(tea("SKU-2", name="Coffee"))
    page = await catalog.list(ListProducts(tenant=Tenant.single(), search="  GREEN "))
    assert [item.sku for item in page.items] == ["SKU-1"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (ListProducts(tenant=Tenant.single(), limit=0), "limit"),
        (ListProducts(tenant=Tenant.single(), cursor="garbage"), "cursor"),
        (ListProducts(tenant=Tenant.single(), search="x" * 101), "search"),
    ],
)
async def test_bad_list_queries_name_the_field(
    catalog: Catalog, query: ListProducts, field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        await catalog.list(query)
    assert caught.value.field == field
