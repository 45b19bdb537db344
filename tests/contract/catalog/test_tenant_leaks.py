"""The catalog's leak contract (issue 17, item 4), run unchanged on every store and every cache:
what is written for one tenant is invisible to another through every port method (get, pages,
cursors, search, the query side, cached reads), and no tenant can change another's products."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

import pytest

from adapters.cache.memory import MemoryCache
from adapters.cache.redis import FAILURES, RedisCache  # [adapter:redis]
from adapters.cache.redis_client import connect_redis  # [adapter:redis]
from adapters.catalog.memory import MemoryCatalogStore, MemoryProductReader
from adapters.resilience.circuit_breaker import CircuitBreaker  # [adapter:redis]
from application.catalog.get_product import GetProduct
from application.catalog.list_products import ListProducts
from application.catalog.read_cache import (
    CatalogReadCache,
    cached_get_product,
    cached_list_products,
)
from application.shared.pagination import encode_cursor
from application.shared.ports.cache import Cache
from application.shared.read_through import ReadThrough
from domain.catalog.errors import DuplicateSku, ProductNotFound
from domain.catalog.product import Product
from domain.catalog.repository import ProductPosition
from domain.shared.errors import ConcurrentUpdate
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from tests.contract.catalog.conftest import CatalogSides
from tests.contract.catalog.test_catalog_unit_of_work import T0, ids
from tests.support.redis import PATIENCE, REDIS_URL, delete_prefix, unique_prefix  # [adapter:redis]
from tests.support.servers import require_server  # [adapter:redis]

A = Tenant(UUID("0a000000-0000-4000-8000-00000000000a"))
B = Tenant(UUID("0b000000-0000-4000-8000-00000000000b"))
EVERY_OTHER = [B, Tenant.single()]


def product(tenant: Tenant, sku: str, name: str, seconds: int) -> Product:
    return Product.create(
        tenant=tenant,
        id=ids.new_id(),
        sku=sku,
        name=name,
        description="",
        price=Money.of("3.00", "EUR"),
        stock=5,
        now=T0 + timedelta(seconds=seconds),
    )


async def save(sides: CatalogSides, *products: Product) -> None:
    async with sides.uow() as uow:
        for item in products:
            await uow.products.add(item)
        await uow.commit()


@pytest.fixture
async def a_catalog(sides: CatalogSides) -> list[Product]:
    """A's products, interleaved in time with one of B's that reuses A's first sku."""
    made = [
        product(A, "TEA-1", "Green tea", 1),
        product(A, "TEA-2", "Black tea", 3),
        product(A, "CUP-1", "Tea cup", 5),
    ]
    await save(sides, *made)
    await save(sides, product(B, "TEA-1", "Coffee", 2))
    return made


async def test_another_tenant_gets_none_of_the_products_by_id(
    sides: CatalogSides, a_catalog: list[Product]
) -> None:
    for other in EVERY_OTHER:
        for item in a_catalog:
            assert await sides.reader.product(other, item.id) is None
            async with sides.uow(read_only=True) as uow:
                assert await uow.products.get(other, item.id) is None
    for item in a_catalog:  # while A itself reads them
        assert await sides.reader.product(A, item.id) is not None


async def test_pages_cursors_and_searches_answer_only_the_tenants_own(
    sides: CatalogSides, a_catalog: list[Product]
) -> None:
    # A cursor at A's first product, and searches for A's names, as B and as the single tenant.
    first = a_catalog[0]
    after_a = ProductPosition(first.created_at, first.id)
    for other in EVERY_OTHER:
        own = ["Coffee"] if other == B else []
        for after in (None, after_a):
            for search in (None, "tea", "cup", "e"):
                views = await sides.reader.page(other, after=after, limit=50, name_contains=search)
                async with sides.uow(read_only=True) as uow:
                    found = await uow.products.page(
                        other, after=after, limit=50, name_contains=search
                    )
                wanted = [n for n in own if search is None or search in n.lower()]
                assert [v.name for v in views] == wanted
                assert [p.name for p in found] == wanted
    a_names = [v.name for v in await sides.reader.page(A, after=None, limit=50)]
    assert a_names == ["Green tea", "Black tea", "Tea cup"]


async def test_a_unit_of_work_sees_its_staged_products_only_in_their_tenant(
    sides: CatalogSides,
) -> None:
    staged = product(A, "TEA-9", "Staged tea", 1)
    async with sides.uow() as uow:
        await uow.products.add(staged)
        assert await uow.products.get(B, staged.id) is None
        assert await uow.products.page(B, after=None, limit=10) == []
        assert [p.id for p in await uow.products.page(A, after=None, limit=10)] == [staged.id]


async def test_no_tenant_can_change_or_remove_another_tenants_product(
    sides: CatalogSides, a_catalog: list[Product]
) -> None:
    # A forged aggregate: B's tenant on A's id and version (what a B request could never load).
    target = a_catalog[0]
    for change in ("update", "remove"):
        forged = Product(
            tenant=B,
            id=target.id,
            sku="TEA-1",
            name="Hijacked",
            description="",
            price=Money.of("0.00", "EUR"),
            stock=0,
            created_at=target.created_at,
            updated_at=target.updated_at,
            version=target.version,
        )
        forged.mark_persisted()
        with pytest.raises(ConcurrentUpdate):
            async with sides.uow() as uow:
                await getattr(uow.products, change)(forged)
                await uow.commit()
    kept = await sides.reader.product(A, target.id)
    assert kept is not None
    assert (kept.name, kept.version) == ("Green tea", 1)
    assert await sides.reader.product(B, target.id) is None


async def test_a_sku_is_unique_within_its_tenant_only(
    sides: CatalogSides, a_catalog: list[Product]
) -> None:
    # B already holds A's TEA-1 (a_catalog); a third tenant may too, A may not again.
    await save(sides, product(Tenant.single(), "TEA-1", "Single tea", 7))
    with pytest.raises(DuplicateSku):
        await save(sides, product(A, "TEA-1", "Again", 8))
    b_views = await sides.reader.page(B, after=None, limit=10)
    assert [(v.sku, v.name) for v in b_views] == [("TEA-1", "Coffee")]


# The caches: one tenant's cached answer is never another's.
CACHES = [
    "memory",
    pytest.param("redis", marks=pytest.mark.redis),  # [adapter:redis]
]


@pytest.fixture(params=CACHES)
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        yield MemoryCache(max_entries=1000)
        return
    # [adapter:redis begin]
    url = require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
    prefix = unique_prefix()
    client = connect_redis(url, pool_size=4, timeout=PATIENCE)
    breaker = CircuitBreaker("redis-leak-test", failure_types=FAILURES)
    redis_cache = RedisCache(client, prefix=prefix, timeout=PATIENCE, breaker=breaker)
    try:
        yield redis_cache
    finally:
        await delete_prefix(client, prefix)
        await redis_cache.close()
    # [adapter:redis end]


async def test_cached_reads_of_one_tenant_never_answer_another(cache: Cache) -> None:
    store = MemoryCatalogStore()
    tea, coffee = product(A, "TEA-1", "Green tea", 1), product(B, "TEA-1", "Coffee", 2)
    for item in (tea, coffee):
        store.products[item.id] = item
    reads = ReadThrough(cache)
    ttl = timedelta(minutes=5)
    get = cached_get_product(MemoryProductReader(store), reads, ttl)
    list_products = cached_list_products(MemoryProductReader(store), reads, ttl)

    # A's reads fill the cache first: its product, and its first page of a cached size.
    assert (await get(GetProduct(A, tea.id))).name == "Green tea"
    assert [v.name for v in (await list_products(ListProducts(tenant=A, limit=20))).items] == [
        "Green tea"
    ]
    with pytest.raises(ProductNotFound):
        await get(GetProduct(B, tea.id))
    b_page = await list_products(ListProducts(tenant=B, limit=20))
    assert [v.name for v in b_page.items] == ["Coffee"]
    single = await list_products(ListProducts(tenant=Tenant.single(), limit=20))
    assert single.items == []
    # A cursor taken from A's page, handed to B, pages B's catalog only.
    cursor = encode_cursor(tea.created_at, tea.id)
    after_tea = await list_products(ListProducts(tenant=B, limit=20, cursor=cursor))
    assert [v.name for v in after_tea.items] == ["Coffee"]


async def test_forgetting_one_tenants_products_forgets_only_that_tenants_entries(
    cache: Cache,
) -> None:
    store = MemoryCatalogStore()
    reads = ReadThrough(cache)
    list_products = cached_list_products(MemoryProductReader(store), reads, timedelta(minutes=5))
    assert (await list_products(ListProducts(tenant=B, limit=20))).items == []  # now cached
    coffee = product(B, "COF-1", "Coffee", 1)
    store.products[coffee.id] = coffee  # behind the cache's back: B's cached page stays empty

    await CatalogReadCache(reads).forget_products(A, [coffee.id])
    assert (await list_products(ListProducts(tenant=B, limit=20))).items == []

    await CatalogReadCache(reads).forget_products(B, [coffee.id])
    assert [v.name for v in (await list_products(ListProducts(tenant=B, limit=20))).items] == [
        "Coffee"
    ]
