"""ONE contract for ProductReader (the catalog's query side), run unchanged on every store:
what the units of work commit, the reader answers as views, at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from application.catalog.views import ProductView
from domain.catalog.product import Product
from domain.catalog.repository import ProductPosition
from domain.shared.tenant import Tenant
from tests.contract.catalog.conftest import CatalogSides
from tests.contract.catalog.test_catalog_unit_of_work import T0, new_product


async def save(sides: CatalogSides, *items: Product) -> None:
    async with sides.uow() as uow:
        for product in items:
            await uow.products.add(product)
        await uow.commit()


async def test_a_committed_product_reads_as_its_view(sides: CatalogSides) -> None:
    product = new_product("SKU-1")
    await save(sides, product)

    view = await sides.reader.product(Tenant.single(), product.id)

    assert view == ProductView.of(product)
    assert view is not None
    assert view.price_amount == Decimal("12.50")
    assert view.created_at.tzinfo is not None


async def test_an_unknown_or_uncommitted_product_reads_as_none(sides: CatalogSides) -> None:
    product = new_product("SKU-1")
    async with sides.uow() as uow:
        await uow.products.add(product)
        assert await sides.reader.product(Tenant.single(), product.id) is None  # not committed yet

    assert await sides.reader.product(Tenant.single(), product.id) is None
    assert await sides.reader.page(Tenant.single(), after=None, limit=10) == []


async def test_a_committed_change_and_a_deletion_are_read_at_once(sides: CatalogSides) -> None:
    product = new_product("SKU-1")
    await save(sides, product)
    async with sides.uow() as uow:
        loaded = await uow.products.get(Tenant.single(), product.id)
        assert loaded is not None
        loaded.change(name="Sencha", now=T0 + timedelta(seconds=1))
        await uow.products.update(loaded)
        await uow.commit()

    changed = await sides.reader.product(Tenant.single(), product.id)
    assert changed is not None
    assert (changed.name, changed.version) == ("Sencha", 2)
    assert (await sides.reader.page(Tenant.single(), after=None, limit=10)) == [changed]

    async with sides.uow() as uow:
        loaded = await uow.products.get(Tenant.single(), product.id)
        assert loaded is not None
        loaded.delete(now=T0 + timedelta(seconds=2))
        await uow.products.remove(loaded)
        await uow.commit()

    assert await sides.reader.product(Tenant.single(), product.id) is None
    assert await sides.reader.page(Tenant.single(), after=None, limit=10) == []


async def test_pages_follow_creation_then_id_order(sides: CatalogSides) -> None:
    same_time = T0 + timedelta(seconds=5)
    await save(
        sides,
        new_product("SKU-A", at=T0 + timedelta(seconds=9)),
        new_product("SKU-B", at=same_time, product_id=UUID(int=2)),
        new_product("SKU-C", at=same_time, product_id=UUID(int=1)),
        new_product("SKU-D", at=T0),
        new_product("SKU-E", at=T0 + timedelta(microseconds=1)),
    )

    seen: list[str] = []
    after: ProductPosition | None = None
    while page := await sides.reader.page(Tenant.single(), after=after, limit=2):
        assert len(page) <= 2
        seen.extend(view.sku for view in page)
        after = ProductPosition(page[-1].created_at, page[-1].id)

    assert seen == ["SKU-D", "SKU-E", "SKU-C", "SKU-B", "SKU-A"]
    assert len(await sides.reader.page(Tenant.single(), after=None, limit=3)) == 3


async def test_name_search_ignores_case_and_treats_wildcards_literally(
    sides: CatalogSides,
) -> None:
    await save(
        sides,
        new_product("SKU-1", name="Green Tea", at=T0),
        new_product("SKU-2", name="Black tea", at=T0 + timedelta(seconds=1)),
        new_product("SKU-3", name="Coffee 100% arabica", at=T0 + timedelta(seconds=2)),
        new_product("SKU-4", name="Coffee 1000 arabica", at=T0 + timedelta(seconds=3)),
        new_product("SKU-5", name="Tea/coffee 1/0", at=T0 + timedelta(seconds=4)),
    )
    reader = sides.reader

    teas = await reader.page(Tenant.single(), after=None, limit=10, name_contains="TEA")
    later_teas = await reader.page(
        Tenant.single(),
        after=ProductPosition(teas[0].created_at, teas[0].id),
        limit=1,
        name_contains="tea",
    )

    assert [v.sku for v in teas] == ["SKU-1", "SKU-2", "SKU-5"]
    assert [v.sku for v in later_teas] == ["SKU-2"]
    assert [
        v.sku
        for v in await reader.page(Tenant.single(), after=None, limit=10, name_contains="100%")
    ] == ["SKU-3"]
    assert await reader.page(Tenant.single(), after=None, limit=10, name_contains="1_0") == []
    assert [
        v.sku for v in await reader.page(Tenant.single(), after=None, limit=10, name_contains="1/0")
    ] == ["SKU-5"]
