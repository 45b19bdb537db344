"""Read-through caching of catalog queries: hits, invalidation after commit, single flight, and
read-after-write under concurrent writers and readers. In-memory store; memory or real Redis."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.cache.memory import MemoryCache
from adapters.cache.none import NoCache
from adapters.cache.redis import FAILURES, RedisCache  # [adapter:redis]
from adapters.cache.redis_client import connect_redis  # [adapter:redis]
from adapters.catalog.memory import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.resilience.circuit_breaker import CircuitBreaker
from adapters.system.ids import Uuid7Generator
from application.catalog.adjust_stock import AdjustStock, AdjustStockHandler
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.catalog.delete_product import DeleteProduct, DeleteProductHandler
from application.catalog.get_product import GetProduct
from application.catalog.list_products import ListProducts
from application.catalog.read_cache import (
    CatalogReadCache,
    cached_get_product,
    cached_list_products,
)
from application.catalog.update_product import UpdateProduct, UpdateProductHandler
from application.shared.after_commit import AfterCommit
from application.shared.ports.cache import Cache
from application.shared.read_through import Cached, ReadThrough
from domain.catalog.errors import ProductNotFound
from domain.catalog.repository import CatalogUnitOfWork
from domain.shared.errors import ConcurrentUpdate
from domain.shared.tenant import Tenant
from tests.support.catalog.reader import ReaderOverUnitOfWork
from tests.support.clock import SteppingClock
from tests.support.redis import PATIENCE, REDIS_URL, delete_prefix, unique_prefix  # [adapter:redis]
from tests.support.servers import require_server

TTL = timedelta(minutes=5)
WAIT = 30.0  # a guard against hanging, never an assertion on speed
HOLD = timedelta(minutes=1)  # another process's claim outlasts this test, however slow the machine


class Looks:
    """A CacheObserver counting first looks: a reader that looked has joined the load in flight
    (or begun it) before it next yields, so the count says who is waiting on it."""

    def __init__(self) -> None:
        self.count = 0

    def looked_up(self, space: object, hit: bool) -> None:
        self.count += 1

    def failed(self, space: object, operation: str) -> None:
        """Not counted."""

    async def reach(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while self.count < count:
                await asyncio.sleep(0.01)


class SlowMemoryUnitOfWork(MemoryCatalogUnitOfWork):
    """Yields to the event loop around every step, and can hold a read until a gate opens."""

    def __init__(self, shop: Shop, *, read_only: bool) -> None:
        super().__init__(shop.store, read_only=read_only)
        self._shop = shop

    async def _begin(self) -> None:
        await asyncio.sleep(0)
        await super()._begin()

    async def _close(self) -> None:
        await super()._close()
        if self.read_only:
            self._shop.reads += 1
            gate = self._shop.gates.pop(0) if self._shop.gates else None
            if gate is not None:
                self._shop.gate_taken.set()
                await gate.wait()
        await asyncio.sleep(0)


@dataclass
class Shop:
    cache: Cache
    store: MemoryCatalogStore = field(default_factory=MemoryCatalogStore)
    reads: int = 0
    gates: list[asyncio.Event] = field(default_factory=list)
    gate_taken: asyncio.Event = field(default_factory=asyncio.Event)
    looks: Looks = field(default_factory=Looks)

    def __post_init__(self) -> None:
        self.reads_cache = ReadThrough(self.cache, observer=self.looks)
        self.read_cache = CatalogReadCache(self.reads_cache)
        self.after_commit = AfterCommit(self.read_cache.on_committed)
        clock = SteppingClock()
        self.create = CreateProductHandler(self.uow, clock, Uuid7Generator())
        self.update = UpdateProductHandler(self.uow, clock)
        self.adjust = AdjustStockHandler(self.uow, clock)
        self.delete = DeleteProductHandler(self.uow, clock)
        self.get = cached_get_product(ReaderOverUnitOfWork(self.uow), self.reads_cache, TTL)
        self.list = cached_list_products(ReaderOverUnitOfWork(self.uow), self.reads_cache, TTL)

    def uow(self, *, read_only: bool = False) -> CatalogUnitOfWork:
        uow = SlowMemoryUnitOfWork(self, read_only=read_only)
        uow.on_committed = self.after_commit
        return uow

    async def new_product(self, sku: str = "TEA-1", name: str = "Green tea") -> UUID:
        view = await self.create(
            CreateProduct(
                tenant=Tenant.single(),
                sku=sku,
                name=name,
                price_amount="4.20",
                price_currency="EUR",
                stock=10,
            )
        )
        return view.id


async def until_a_load_waits_at_the_gate(shop: Shop) -> None:
    await shop.gate_taken.wait()


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),  # [adapter:redis]
    ]
)
async def shop(request: pytest.FixtureRequest) -> AsyncIterator[Shop]:
    if request.param == "memory":
        yield Shop(MemoryCache())
        return
    # [adapter:redis begin]
    async for redis_shop in shop_on_redis():
        yield redis_shop
    # [adapter:redis end]


# [adapter:redis begin]
@pytest.fixture
async def redis_shop() -> AsyncIterator[Shop]:
    async for shop in shop_on_redis():
        yield shop


async def shop_on_redis() -> AsyncIterator[Shop]:
    url = require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
    prefix = unique_prefix()
    client = connect_redis(url, pool_size=16, timeout=PATIENCE)
    breaker = CircuitBreaker("redis-test", failure_types=FAILURES)
    cache = RedisCache(client, prefix=prefix, timeout=PATIENCE, breaker=breaker)
    try:
        yield Shop(cache)
    finally:
        await delete_prefix(client, prefix)
        await cache.close()


# [adapter:redis end]
async def test_a_second_read_is_served_from_the_cache(shop: Shop) -> None:
    product_id = await shop.new_product()

    first = await shop.get(GetProduct(Tenant.single(), product_id))
    second = await shop.get(GetProduct(Tenant.single(), product_id))

    assert first == second
    assert shop.reads == 1


async def test_a_write_that_returned_is_seen_by_the_next_read(shop: Shop) -> None:
    product_id = await shop.new_product()
    await shop.get(GetProduct(Tenant.single(), product_id))

    await shop.update(UpdateProduct(tenant=Tenant.single(), product_id=product_id, name="Sencha"))

    view = await shop.get(GetProduct(Tenant.single(), product_id))
    assert (view.name, view.version) == ("Sencha", 2)
    assert shop.reads == 2


async def test_a_deleted_product_is_not_found_after_the_delete_returned(shop: Shop) -> None:
    product_id = await shop.new_product()
    await shop.get(GetProduct(Tenant.single(), product_id))

    await shop.delete(DeleteProduct(tenant=Tenant.single(), product_id=product_id))

    with pytest.raises(ProductNotFound):
        await shop.get(GetProduct(Tenant.single(), product_id))


async def test_first_pages_are_cached_and_forgotten_when_a_product_is_added(shop: Shop) -> None:
    await shop.new_product("TEA-1")
    assert len((await shop.list(ListProducts(tenant=Tenant.single()))).items) == 1
    assert len((await shop.list(ListProducts(tenant=Tenant.single()))).items) == 1
    assert shop.reads == 1

    await shop.new_product("TEA-2")

    assert len((await shop.list(ListProducts(tenant=Tenant.single()))).items) == 2
    assert shop.reads == 2


async def test_a_stock_change_is_seen_in_the_cached_first_page(shop: Shop) -> None:
    product_id = await shop.new_product()
    await shop.list(ListProducts(tenant=Tenant.single(), limit=10))

    await shop.adjust(AdjustStock(tenant=Tenant.single(), product_id=product_id, delta=-3))

    page = await shop.list(ListProducts(tenant=Tenant.single(), limit=10))
    assert page.items[0].stock == 7


async def test_searches_and_odd_page_sizes_are_not_cached(shop: Shop) -> None:
    await shop.new_product()
    for _ in range(2):
        await shop.list(ListProducts(tenant=Tenant.single(), search="tea"))
        await shop.list(ListProducts(tenant=Tenant.single(), limit=7))

    assert shop.reads == 4


async def test_the_application_can_forget_a_product_by_id(shop: Shop) -> None:
    product_id = await shop.new_product()
    await shop.get(GetProduct(Tenant.single(), product_id))

    await shop.read_cache.forget_products(Tenant.single(), [product_id])
    await shop.get(GetProduct(Tenant.single(), product_id))

    assert shop.reads == 2


async def test_many_concurrent_misses_of_one_key_load_once(shop: Shop) -> None:
    product_id = await shop.new_product()
    gate = asyncio.Event()
    shop.gates.append(gate)

    readers = [
        asyncio.create_task(shop.get(GetProduct(Tenant.single(), product_id))) for _ in range(50)
    ]
    await until_a_load_waits_at_the_gate(shop)
    await shop.looks.reach(len(readers))  # the other readers wait on the load in flight
    gate.set()
    views = await asyncio.gather(*readers)

    assert shop.reads == 1
    assert {view.version for view in views} == {1}


async def test_concurrent_misses_of_an_unknown_id_share_one_failure(shop: Shop) -> None:
    gate = asyncio.Event()
    shop.gates.append(gate)
    same = uuid4()
    readers = [asyncio.create_task(shop.get(GetProduct(Tenant.single(), same))) for _ in range(10)]
    await until_a_load_waits_at_the_gate(shop)
    await shop.looks.reach(len(readers))  # the other readers wait on the load in flight
    gate.set()

    results = await asyncio.gather(*readers, return_exceptions=True)

    assert all(isinstance(result, ProductNotFound) for result in results)
    assert shop.reads == 1


async def test_a_read_after_a_write_never_joins_a_load_begun_before_it(shop: Shop) -> None:
    product_id = await shop.new_product()
    gate = asyncio.Event()
    shop.gates.append(gate)
    early = asyncio.create_task(shop.get(GetProduct(Tenant.single(), product_id)))
    await until_a_load_waits_at_the_gate(shop)  # the early read has loaded version 1

    await shop.update(UpdateProduct(tenant=Tenant.single(), product_id=product_id, name="Sencha"))
    late = asyncio.create_task(shop.get(GetProduct(Tenant.single(), product_id)))
    done, _ = await asyncio.wait({late}, timeout=WAIT)
    gate.set()

    assert late in done, "the late read waited for the load begun before the write"
    assert late.result().version == 2
    assert (await early).version == 1
    # The early load was not stored over the invalidation: the cache answers version 2.
    assert (await shop.get(GetProduct(Tenant.single(), product_id))).version == 2


async def test_concurrent_writers_and_readers_never_read_older_than_a_returned_write(
    shop: Shop,
) -> None:
    product_ids = [await shop.new_product(f"TEA-{n}") for n in range(3)]
    returned: dict[UUID, int] = dict.fromkeys(product_ids, 1)
    stale: list[str] = []
    rng = random.Random(4)

    async def writer() -> None:
        for _ in range(15):
            product_id = rng.choice(product_ids)
            while True:
                try:
                    view = await shop.adjust(
                        AdjustStock(tenant=Tenant.single(), product_id=product_id, delta=1)
                    )
                    break
                except ConcurrentUpdate:
                    await asyncio.sleep(0)
            returned[product_id] = max(returned[product_id], view.version)

    async def reader() -> None:
        for _ in range(40):
            product_id = rng.choice(product_ids)
            floor = returned[product_id]
            view = await shop.get(GetProduct(Tenant.single(), product_id))
            if view.version < floor:
                stale.append(f"{product_id}: read v{view.version} after v{floor} returned")
            page_floor = dict(returned)
            page = await shop.list(ListProducts(tenant=Tenant.single()))
            stale.extend(
                f"page {item.id}: v{item.version} after v{page_floor[item.id]}"
                for item in page.items
                if item.version < page_floor[item.id]
            )

    await asyncio.gather(*(writer() for _ in range(4)), *(reader() for _ in range(8)))

    assert stale == []
    final = {pid: (await shop.get(GetProduct(Tenant.single(), pid))).version for pid in product_ids}
    assert final == returned


# [adapter:redis begin]
@pytest.mark.redis
async def test_processes_sharing_redis_load_a_missed_key_once(redis_shop: Shop) -> None:
    shop = redis_shop
    product_id = await shop.new_product()
    gate = asyncio.Event()
    shop.gates.append(gate)
    # Two processes: each its own single-flight table and handler, the same Redis and database,
    # claims held longer than the test lasts (the default 250 ms can run out on a loaded machine).
    looks = Looks()
    one, other = (
        cached_get_product(
            ReaderOverUnitOfWork(shop.uow),
            ReadThrough(shop.cache, claim_hold=HOLD, observer=looks),
            TTL,
        )
        for _ in range(2)
    )

    first = asyncio.create_task(one(GetProduct(Tenant.single(), product_id)))
    await until_a_load_waits_at_the_gate(shop)  # the first process claimed the key, is loading
    second = asyncio.create_task(other(GetProduct(Tenant.single(), product_id)))
    await looks.reach(2)  # the second missed too: its claim is refused, it waits for the value
    gate.set()

    assert (await first) == (await second)
    assert shop.reads == 1


# [adapter:redis end]


async def test_behind_no_cache_a_read_neither_names_a_key_nor_looks_one_up() -> None:
    """PORTICO_CACHE=none: every read is the handler's own, with no cache step around it."""

    class Refusing(NoCache):
        async def lookup(self, key: object) -> Any:
            raise AssertionError("looked up behind no cache")

    named: list[object] = []
    answered: list[GetProduct] = []

    async def handler(query: GetProduct) -> str:
        answered.append(query)
        return "view"

    def key(query: GetProduct) -> Any:
        named.append(query)
        return None

    cached = Cached(handler, ReadThrough(Refusing(), single_flight=False), TTL, key)
    query = GetProduct(Tenant.single(), uuid4())
    assert await cached(query) == await cached(query) == "view"
    assert answered == [query, query]
    assert named == []
