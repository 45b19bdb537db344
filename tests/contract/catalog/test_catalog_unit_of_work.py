"""ONE contract for ProductRepository + UnitOfWork, run unchanged on every adapter."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from adapters.system.ids import Uuid7Generator
from application.catalog.ports import CatalogUnitOfWorkFactory
from domain.catalog.errors import DuplicateSku
from domain.catalog.events import ProductChanged, ProductCreated, ProductDeleted
from domain.catalog.product import Product
from domain.catalog.repository import ProductPosition
from domain.shared.errors import ConcurrentUpdate
from domain.shared.money import Money
from domain.shared.tenant import Tenant

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
ids = Uuid7Generator()


def new_product(
    sku: str = "SKU-1", name: str = "Green tea", at: datetime = T0, product_id: UUID | None = None
) -> Product:
    return Product.create(
        tenant=Tenant.single(),
        id=product_id or ids.new_id(),
        sku=sku,
        name=name,
        description="Loose leaf, 100 g",
        price=Money.of("12.50", "EUR"),
        stock=7,
        now=at,
    )


async def save(uow_factory: CatalogUnitOfWorkFactory, *items: Product) -> None:
    async with uow_factory() as uow:
        for product in items:
            await uow.products.add(product)
        await uow.commit()


async def load(uow_factory: CatalogUnitOfWorkFactory, product_id: UUID) -> Product | None:
    async with uow_factory(read_only=True) as uow:
        return await uow.products.get(Tenant.single(), product_id)


async def test_a_committed_product_reads_back_equal(uow_factory: CatalogUnitOfWorkFactory) -> None:
    product = new_product()
    await save(uow_factory, product)

    loaded = await load(uow_factory, product.id)

    assert loaded is not None
    assert (loaded.id, loaded.sku, loaded.name, loaded.description) == (
        product.id,
        "SKU-1",
        "Green tea",
        "Loose leaf, 100 g",
    )
    assert loaded.price == Money(Decimal("12.50"), "EUR")
    assert loaded.stock == 7
    assert loaded.version == 1
    assert loaded.created_at == T0
    assert loaded.created_at.tzinfo is not None
    assert loaded.updated_at == T0


async def test_an_unknown_id_reads_as_none(uow_factory: CatalogUnitOfWorkFactory) -> None:
    assert await load(uow_factory, ids.new_id()) is None


async def test_nothing_is_kept_without_commit(uow_factory: CatalogUnitOfWorkFactory) -> None:
    product = new_product()
    async with uow_factory() as uow:
        await uow.products.add(product)

    assert await load(uow_factory, product.id) is None


async def test_an_error_inside_rolls_everything_back(uow_factory: CatalogUnitOfWorkFactory) -> None:
    first, second = new_product("SKU-1"), new_product("SKU-2")
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.products.add(first)
            await uow.products.add(second)
            raise RuntimeError("the use case failed halfway")

    assert await load(uow_factory, first.id) is None
    assert await load(uow_factory, second.id) is None


async def test_uncommitted_changes_are_invisible_to_others(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    product = new_product()
    await save(uow_factory, product)
    async with uow_factory() as writer:
        mine = await writer.products.get(Tenant.single(), product.id)
        assert mine is not None
        mine.change(name="Renamed", now=T0 + timedelta(seconds=1))
        await writer.products.update(mine)

        seen_by_other = await load(uow_factory, product.id)
        assert seen_by_other is not None
        assert seen_by_other.name == "Green tea"
        await writer.commit()

    after = await load(uow_factory, product.id)
    assert after is not None
    assert after.name == "Renamed"


async def test_pages_follow_creation_order_then_id(uow_factory: CatalogUnitOfWorkFactory) -> None:
    # Two products share a timestamp: the id breaks the tie, the same way on every store.
    same_time = T0 + timedelta(seconds=5)
    made = [
        new_product("SKU-A", at=T0 + timedelta(seconds=9)),
        new_product("SKU-B", at=same_time, product_id=UUID(int=2)),
        new_product("SKU-C", at=same_time, product_id=UUID(int=1)),
        new_product("SKU-D", at=T0),
        new_product("SKU-E", at=T0 + timedelta(microseconds=1)),
    ]
    await save(uow_factory, *made)
    expected = ["SKU-D", "SKU-E", "SKU-C", "SKU-B", "SKU-A"]

    seen: list[str] = []
    after: ProductPosition | None = None
    async with uow_factory(read_only=True) as uow:
        while page := await uow.products.page(Tenant.single(), after=after, limit=2):
            seen.extend(p.sku for p in page)
            after = ProductPosition(page[-1].created_at, page[-1].id)

    assert seen == expected


async def test_a_page_never_exceeds_its_limit(uow_factory: CatalogUnitOfWorkFactory) -> None:
    await save(
        uow_factory, *(new_product(f"SKU-{i}", at=T0 + timedelta(seconds=i)) for i in range(5))
    )
    async with uow_factory(read_only=True) as uow:
        assert len(await uow.products.page(Tenant.single(), after=None, limit=3)) == 3
        assert len(await uow.products.page(Tenant.single(), after=None, limit=10)) == 5


async def test_name_search_ignores_case_and_treats_wildcards_literally(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    await save(
        uow_factory,
        new_product("SKU-1", name="Green Tea", at=T0),
        new_product("SKU-2", name="Black tea", at=T0 + timedelta(seconds=1)),
        new_product("SKU-3", name="Coffee 100% arabica", at=T0 + timedelta(seconds=2)),
        new_product("SKU-4", name="Coffee 1000 arabica", at=T0 + timedelta(seconds=3)),
    )
    async with uow_factory(read_only=True) as uow:
        teas = await uow.products.page(Tenant.single(), after=None, limit=10, name_contains="TEA")
        percent = await uow.products.page(
            Tenant.single(), after=None, limit=10, name_contains="100%"
        )
        underscore = await uow.products.page(
            Tenant.single(), after=None, limit=10, name_contains="1_0"
        )

    assert [p.sku for p in teas] == ["SKU-1", "SKU-2"]
    assert [p.sku for p in percent] == ["SKU-3"]
    assert underscore == []


async def test_update_moves_the_version_on_and_persists(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    product = new_product()
    await save(uow_factory, product)
    async with uow_factory() as uow:
        loaded = await uow.products.get(Tenant.single(), product.id)
        assert loaded is not None
        loaded.change(price=Money.of("9.99", "USD"), now=T0 + timedelta(hours=1))
        loaded.adjust_stock(delta=-2, reason="sold", now=T0 + timedelta(hours=1))
        await uow.products.update(loaded)
        await uow.commit()

    stored = await load(uow_factory, product.id)
    assert stored is not None
    assert stored.version == 2
    assert stored.price == Money(Decimal("9.99"), "USD")
    assert stored.stock == 5
    assert stored.updated_at == T0 + timedelta(hours=1)


async def test_a_stale_update_is_refused_and_keeps_the_winner(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    product = new_product()
    await save(uow_factory, product)
    async with uow_factory(read_only=True) as reader:
        stale = await reader.products.get(Tenant.single(), product.id)
    assert stale is not None

    async with uow_factory() as uow:
        winner = await uow.products.get(Tenant.single(), product.id)
        assert winner is not None
        winner.change(name="Winner", now=T0 + timedelta(seconds=1))
        await uow.products.update(winner)
        await uow.commit()

    with pytest.raises(ConcurrentUpdate):
        async with uow_factory() as uow:
            stale.change(name="Loser", now=T0 + timedelta(seconds=2))
            await uow.products.update(stale)
            await uow.commit()

    stored = await load(uow_factory, product.id)
    assert stored is not None
    assert (stored.name, stored.version) == ("Winner", 2)


async def test_remove_deletes_and_refuses_a_stale_copy(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    product, other = new_product("SKU-1"), new_product("SKU-2")
    await save(uow_factory, product, other)
    async with uow_factory() as uow:
        loaded = await uow.products.get(Tenant.single(), product.id)
        assert loaded is not None
        await uow.products.remove(loaded)
        await uow.commit()
    assert await load(uow_factory, product.id) is None

    async with uow_factory(read_only=True) as reader:
        stale = await reader.products.get(Tenant.single(), other.id)
    assert stale is not None
    async with uow_factory() as uow:
        fresh = await uow.products.get(Tenant.single(), other.id)
        assert fresh is not None
        fresh.adjust_stock(delta=1, reason="found one", now=T0)
        await uow.products.update(fresh)
        await uow.commit()
    with pytest.raises(ConcurrentUpdate):
        async with uow_factory() as uow:
            await uow.products.remove(stale)
            await uow.commit()
    assert await load(uow_factory, other.id) is not None


async def test_a_duplicate_sku_is_refused_on_add_and_on_update(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    first, second = new_product("SKU-1"), new_product("SKU-2")
    await save(uow_factory, first, second)

    with pytest.raises(DuplicateSku):
        await save(uow_factory, new_product("SKU-1"))
    with pytest.raises(DuplicateSku):
        async with uow_factory() as uow:
            loaded = await uow.products.get(Tenant.single(), second.id)
            assert loaded is not None
            loaded.change(sku="SKU-1", now=T0)
            await uow.products.update(loaded)
            await uow.commit()

    async with uow_factory(read_only=True) as uow:
        skus = sorted(p.sku for p in await uow.products.page(Tenant.single(), after=None, limit=10))
    assert skus == ["SKU-1", "SKU-2"]


async def test_a_product_added_is_found_by_the_same_unit_of_work(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    """Where inserts wait for the commit (PostgreSQL), a read sends them first."""
    product = new_product("SKU-1")
    async with uow_factory() as uow:
        await uow.products.add(product)
        found = await uow.products.get(Tenant.single(), product.id)
        listed = await uow.products.page(Tenant.single(), after=None, limit=10)
        await uow.commit()

    assert found is not None
    assert found.sku == "SKU-1"
    assert [each.id for each in listed] == [product.id]
    assert await load(uow_factory, product.id) is not None


async def test_a_freed_sku_can_be_taken_in_the_same_unit_of_work(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    old = new_product("SKU-1")
    await save(uow_factory, old)
    replacement = new_product("SKU-1", name="Replacement", at=T0 + timedelta(seconds=1))
    async with uow_factory() as uow:
        loaded = await uow.products.get(Tenant.single(), old.id)
        assert loaded is not None
        await uow.products.remove(loaded)
        await uow.products.add(replacement)
        await uow.commit()

    stored = await load(uow_factory, replacement.id)
    assert stored is not None
    assert stored.name == "Replacement"


async def test_concurrent_writers_of_one_sku_leave_exactly_one(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    contenders = [new_product("SKU-RACE", name=f"Contender {i}") for i in range(2)]

    results = await asyncio.gather(
        *(save(uow_factory, product) for product in contenders), return_exceptions=True
    )

    assert sum(result is None for result in results) == 1
    assert [type(r) for r in results if r is not None] == [DuplicateSku]
    async with uow_factory(read_only=True) as uow:
        assert len(await uow.products.page(Tenant.single(), after=None, limit=10)) == 1


async def test_commit_hands_over_the_events_of_every_aggregate_seen(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    first, second = new_product("SKU-1"), new_product("SKU-2")
    async with uow_factory() as uow:
        await uow.products.add(first)
        await uow.products.add(second)
        await uow.commit()
    assert [type(e) for e in uow.committed_events] == [ProductCreated, ProductCreated]
    assert {e.aggregate_id for e in uow.committed_events} == {first.id, second.id}

    async with uow_factory() as uow:
        loaded = await uow.products.get(Tenant.single(), first.id)
        assert loaded is not None
        loaded.change(name="Renamed", now=T0)
        await uow.products.update(loaded)
        doomed = await uow.products.get(Tenant.single(), second.id)
        assert doomed is not None
        doomed.delete(now=T0)
        await uow.products.remove(doomed)
        await uow.commit()
    assert [type(e) for e in uow.committed_events] == [ProductChanged, ProductDeleted]


async def test_a_rolled_back_unit_of_work_hands_over_no_event(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.products.add(new_product())
    assert uow.committed_events == []


async def test_a_read_only_unit_of_work_refuses_writes_and_commit(
    uow_factory: CatalogUnitOfWorkFactory,
) -> None:
    product = new_product()
    await save(uow_factory, product)
    with pytest.raises(RuntimeError, match="read-only"):
        async with uow_factory(read_only=True) as uow:
            await uow.products.add(new_product("SKU-2"))
    with pytest.raises(RuntimeError, match="read-only"):
        async with uow_factory(read_only=True) as uow:
            loaded = await uow.products.get(Tenant.single(), product.id)
            assert loaded is not None
            loaded.change(name="Sneaky", now=T0)
            await uow.products.update(loaded)
    with pytest.raises(RuntimeError, match="read-only"):
        async with uow_factory(read_only=True) as uow:
            await uow.commit()

    async with uow_factory(read_only=True) as uow:
        stored = await uow.products.page(Tenant.single(), after=None, limit=10)
    assert [(p.sku, p.name) for p in stored] == [("SKU-1", "Green tea")]
