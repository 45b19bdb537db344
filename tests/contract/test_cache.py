"""ONE contract for the Cache port, run unchanged on none, memory and redis (the real server).

`none` keeps nothing, so wherever a test expects a stored value it expects a miss from `none`;
every promise about invalidation holds for all three.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from adapters.cache.memory import MemoryCache
from adapters.cache.none import NoCache
from adapters.cache.redis import FAILURES, RedisCache  # [adapter:redis]
from adapters.cache.redis_client import connect_redis  # [adapter:redis]
from adapters.resilience.circuit_breaker import CircuitBreaker
from application.shared.pagination import Page
from application.shared.ports.cache import Cache, CacheKey, CacheSpace
from tests.support.redis import PATIENCE, REDIS_URL, delete_prefix, unique_prefix  # [adapter:redis]
from tests.support.servers import require_server


@dataclass(frozen=True, slots=True)
class Item:
    id: UUID
    name: str
    price: Decimal
    at: datetime


ITEMS = CacheSpace("shop", "item", 1, Item)
PAGES = CacheSpace("shop", "item-page", 1, Page[Item])
TTL = timedelta(minutes=5)
HOLD = timedelta(minutes=5)  # a claim that outlasts the test, however slow the machine

ADAPTERS = [
    "none",
    "memory",
    pytest.param("redis", marks=pytest.mark.redis),  # [adapter:redis]
]


@dataclass
class Subject:
    cache: Cache
    stores: bool
    shared: bool = False  # by several processes: claims exclude each other

    def expect(self, value: object) -> object:
        """What a read should answer when `value` was stored: `none` answers a miss."""
        return value if self.stores else None


@pytest.fixture(params=ADAPTERS)
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    kind: str = request.param
    if kind == "none":
        yield Subject(NoCache(), stores=False)
        return
    # [adapter:redis begin]
    if kind == "redis":
        url = require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
        prefix = unique_prefix()
        client = connect_redis(url, pool_size=8, timeout=PATIENCE)
        breaker = CircuitBreaker("redis-test", failure_types=FAILURES)
        cache = RedisCache(client, prefix=prefix, timeout=PATIENCE, breaker=breaker)
        try:
            yield Subject(cache, stores=True, shared=True)
        finally:
            await delete_prefix(client, prefix)
            await cache.close()
        return
    # [adapter:redis end]
    yield Subject(MemoryCache(max_entries=1000), stores=True)


def item(name: str = "tea") -> Item:
    return Item(uuid4(), name, Decimal("12.50"), datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC))


async def test_a_set_value_reads_back_equal(subject: Subject) -> None:
    value = item()
    key = ITEMS.key(str(value.id))

    await subject.cache.set(key, value, TTL)

    found = await subject.cache.get(key)
    assert found == subject.expect(value)
    if found is not None:
        assert found.at.tzinfo is not None
        assert isinstance(found.price, Decimal)


async def test_an_unknown_key_misses(subject: Subject) -> None:
    assert await subject.cache.get(ITEMS.key("nothing-here")) is None


async def test_a_generic_value_round_trips(subject: Subject) -> None:
    page = Page([item("a"), item("b")], "next")
    key = PAGES.key("first")

    await subject.cache.set(key, page, TTL)

    assert await subject.cache.get(key) == subject.expect(page)


async def test_delete_makes_the_entry_miss(subject: Subject) -> None:
    key = ITEMS.key("k")
    await subject.cache.set(key, item(), TTL)

    await subject.cache.delete(key)

    assert await subject.cache.get(key) is None


async def test_get_many_answers_only_the_present_keys(subject: Subject) -> None:
    one, two = item("one"), item("two")
    await subject.cache.set(ITEMS.key("1"), one, TTL)
    await subject.cache.set(ITEMS.key("2"), two, TTL)

    found = await subject.cache.get_many([ITEMS.key("1"), ITEMS.key("2"), ITEMS.key("3")])

    assert found == ({ITEMS.key("1"): one, ITEMS.key("2"): two} if subject.stores else {})


async def test_delete_many_invalidates_every_key(subject: Subject) -> None:
    keys = [ITEMS.key(str(n)) for n in range(5)]
    for key in keys:
        await subject.cache.set(key, item(), TTL)

    await subject.cache.delete_many(keys[:3])

    found = await subject.cache.get_many(keys)
    assert set(found) == (set(keys[3:]) if subject.stores else set())


async def test_a_fill_after_a_miss_is_stored(subject: Subject) -> None:
    key = ITEMS.key("fill")
    miss = await subject.cache.lookup(key)
    assert miss.value is None

    stored = await subject.cache.fill(key, item(), TTL, miss.ticket)

    assert stored is subject.stores
    assert (await subject.cache.get(key) is not None) is subject.stores


async def test_a_fill_begun_before_an_invalidation_is_refused(subject: Subject) -> None:
    key = ITEMS.key("race")
    before = await subject.cache.lookup(key)

    await subject.cache.delete(key)

    assert await subject.cache.fill(key, item("old"), TTL, before.ticket) is False
    assert await subject.cache.get(key) is None


async def test_a_stale_fill_cannot_overwrite_a_fresh_one(subject: Subject) -> None:
    key = ITEMS.key("overwrite")
    await subject.cache.set(key, item("v1"), TTL)
    stale = await subject.cache.lookup(key)
    await subject.cache.delete(key)
    fresh = await subject.cache.lookup(key)
    new = item("v2")
    assert await subject.cache.fill(key, new, TTL, fresh.ticket) is subject.stores

    assert await subject.cache.fill(key, item("v1"), TTL, stale.ticket) is False
    assert await subject.cache.get(key) == subject.expect(new)


async def test_a_fill_with_an_unknown_ticket_is_refused(subject: Subject) -> None:
    assert await subject.cache.fill(ITEMS.key("t"), item(), TTL, object()) is False


async def test_an_entry_expires_after_its_ttl(subject: Subject) -> None:
    key = ITEMS.key("short")
    await subject.cache.set(key, item(), timedelta(milliseconds=50))

    await asyncio.sleep(0.3)

    assert await subject.cache.get(key) is None


async def test_another_schema_version_never_reads_old_entries(subject: Subject) -> None:
    await subject.cache.set(ITEMS.key("x"), item(), TTL)
    items_v2 = CacheSpace("shop", "item", 2, Item)

    assert await subject.cache.get(items_v2.key("x")) is None


async def test_spaces_of_other_contexts_do_not_collide(subject: Subject) -> None:
    value = item()
    await subject.cache.set(ITEMS.key("x"), value, TTL)
    other = CacheSpace("billing", "item", 1, Item)

    assert await subject.cache.get(other.key("x")) is None
    assert await subject.cache.get(ITEMS.key("x")) == subject.expect(value)


async def test_concurrent_writers_and_readers_see_whole_values(subject: Subject) -> None:
    keys = [ITEMS.key(f"c{n}") for n in range(10)]
    values = {key: item(key.name) for key in keys}

    async def write(key: CacheKey[Item]) -> None:
        for _ in range(5):
            await subject.cache.set(key, values[key], TTL)

    async def read() -> list[Item | None]:
        return [await subject.cache.get(key) for key in keys]

    results = await asyncio.gather(*(write(k) for k in keys), *(read() for _ in range(10)))

    for result in results[10:]:
        assert isinstance(result, list)
        for key, found in zip(keys, result, strict=True):
            assert found is None or found == values[key]
    final = await subject.cache.get_many(keys)
    assert final == (values if subject.stores else {})


async def test_a_first_claim_is_granted(subject: Subject) -> None:
    assert await subject.cache.claim(ITEMS.key("claimed"), HOLD) is True


async def test_a_second_claim_is_refused_only_by_a_shared_cache(subject: Subject) -> None:
    key = ITEMS.key("claimed")
    await subject.cache.claim(key, HOLD)

    assert await subject.cache.claim(key, HOLD) is not subject.shared


async def test_an_invalidation_frees_the_claim(subject: Subject) -> None:
    key = ITEMS.key("claimed")
    await subject.cache.claim(key, HOLD)

    await subject.cache.delete(key)

    assert await subject.cache.claim(key, HOLD) is True


async def test_a_claim_ends_after_its_hold(subject: Subject) -> None:
    key = ITEMS.key("claimed")
    await subject.cache.claim(key, timedelta(milliseconds=50))

    await asyncio.sleep(0.3)

    assert await subject.cache.claim(key, HOLD) is True
