"""MemoryCache beyond the contract: its bound, its clock, and tombstones lost to eviction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from adapters.cache.memory import MemoryCache
from application.shared.ports.cache import CacheSpace


@dataclass(frozen=True)
class Box:
    n: int


BOXES = CacheSpace("test", "box", 1, Box)
TTL = timedelta(seconds=10)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_it_never_holds_more_than_its_bound_and_evicts_the_least_recently_used() -> None:
    cache = MemoryCache(max_entries=3)
    for n in range(3):
        await cache.set(BOXES.key(str(n)), Box(n), TTL)
    assert await cache.get(BOXES.key("0")) == Box(0)  # 0 is now the most recently used

    await cache.set(BOXES.key("3"), Box(3), TTL)

    assert len(cache) == 3
    assert await cache.get(BOXES.key("1")) is None
    assert await cache.get(BOXES.key("0")) == Box(0)
    assert await cache.get(BOXES.key("3")) == Box(3)


async def test_entries_expire_by_its_clock() -> None:
    clock = FakeClock()
    cache = MemoryCache(now=clock)
    await cache.set(BOXES.key("a"), Box(1), timedelta(seconds=5))

    clock.now = 4.9
    assert await cache.get(BOXES.key("a")) == Box(1)
    clock.now = 5.0
    assert await cache.get(BOXES.key("a")) is None


async def test_a_fill_is_refused_when_the_tombstone_after_its_lookup_was_evicted() -> None:
    cache = MemoryCache(max_entries=2)
    before = await cache.lookup(BOXES.key("x"))
    await cache.delete(BOXES.key("x"))
    await cache.set(BOXES.key("y"), Box(1), TTL)
    await cache.set(BOXES.key("z"), Box(2), TTL)  # evicts x's tombstone
    assert len(cache) == 2

    assert await cache.fill(BOXES.key("x"), Box(0), TTL, before.ticket) is False


async def test_a_fill_is_refused_when_the_tombstone_after_its_lookup_expired() -> None:
    clock = FakeClock()
    cache = MemoryCache(now=clock, tombstone_ttl=timedelta(seconds=1))
    before = await cache.lookup(BOXES.key("x"))
    await cache.delete(BOXES.key("x"))
    clock.now = 2.0

    assert await cache.fill(BOXES.key("x"), Box(0), TTL, before.ticket) is False


async def test_fills_after_a_lookup_that_followed_the_tombstone_are_kept() -> None:
    cache = MemoryCache()
    await cache.delete(BOXES.key("x"))
    after = await cache.lookup(BOXES.key("x"))

    assert await cache.fill(BOXES.key("x"), Box(7), TTL, after.ticket) is True
    assert await cache.get(BOXES.key("x")) == Box(7)


def test_a_zero_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        MemoryCache(max_entries=0)


async def test_a_non_positive_ttl_is_refused() -> None:
    with pytest.raises(ValueError, match="ttl"):
        await MemoryCache().set(BOXES.key("a"), Box(1), timedelta(0))
