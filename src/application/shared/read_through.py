"""Read-through caching for query handlers, written once.

`ReadThrough` answers from the cache, or loads once per key however many callers miss at the same
time (single flight), and stores the result only if nothing invalidated the key meanwhile. With a
cache shared by several processes, the process whose `claim` wins loads; the others wait up to
`claim_hold` for its value, then load themselves (a stuck or failed loader never blocks reads).
`Cached` puts a query handler behind it, in the wiring: the handler only loads, a key function
names the entry of each query.

Read-after-write: `invalidate` first invalidates the cache, then detaches the loads in flight,
so a caller that starts after `invalidate` returned neither reads an old entry nor joins a load
that may have read the database before the write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar

from application.shared.ports.cache import Cache, CacheKey, CacheObserver, Lookup

T = TypeVar("T")
Q = TypeVar("Q")
R = TypeVar("R")


class ReadThrough:
    """`claim_hold`: how long another process may load a key we miss before we load it too;
    `claim_poll`: how often we look for its value meanwhile. `observer` hears whether each
    read was a hit at its first look (the looks while waiting for another loader are not reads).
    """

    def __init__(
        self,
        cache: Cache,
        *,
        single_flight: bool = True,
        claim_hold: timedelta = timedelta(milliseconds=250),
        claim_poll: timedelta = timedelta(milliseconds=10),
        observer: CacheObserver | None = None,
    ) -> None:
        self._cache = cache
        self._observer = observer
        self._single_flight = single_flight
        self._claim_hold = claim_hold
        self._claim_poll = claim_poll.total_seconds()
        self._flights: dict[CacheKey[Any], asyncio.Future[Any]] = {}

    @property
    def loads_in_flight(self) -> int:
        return len(self._flights)

    @property
    def holds_nothing(self) -> bool:
        """No cache and no single flight: no read can answer what a write changed, so writers
        need not build the keys to invalidate (3-4 % of a product create's CPU, bench/README.md)."""
        return not self._single_flight and not self._cache.keeps_entries

    async def read(self, key: CacheKey[T], load: Callable[[], Awaitable[T]], ttl: timedelta) -> T:
        found = await self._cache.lookup(key)
        if self._observer is not None:
            self._observer.looked_up(key.space, found.value is not None)
        if found.value is not None:
            return found.value
        if not self._single_flight:
            return await self._load_and_fill(key, load, ttl, found.ticket)
        flight: asyncio.Future[T] | None = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._load_and_fill(key, load, ttl, found.ticket))
            self._flights[key] = flight
            flight.add_done_callback(self._landed(key))
        # Shielded: a caller that gives up (a client hung up) does not cancel the others' load.
        return await asyncio.shield(flight)

    async def invalidate(self, keys: Sequence[CacheKey[Any]]) -> None:
        await self._cache.delete_many(keys)
        for key in keys:
            self._flights.pop(key, None)

    async def _load_and_fill(
        self, key: CacheKey[T], load: Callable[[], Awaitable[T]], ttl: timedelta, ticket: object
    ) -> T:
        if self._single_flight and not await self._cache.claim(key, self._claim_hold):
            found = await self._await_other_loader(key)
            if found.value is not None:
                return found.value
            ticket = found.ticket
        value = await load()
        await self._cache.fill(key, value, ttl, ticket)
        return value

    async def _await_other_loader(self, key: CacheKey[T]) -> Lookup[T]:
        """Poll for the value another process is loading; the last lookup if it never comes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._claim_hold.total_seconds()
        found: Lookup[T] = Lookup(None)
        while loop.time() < deadline:
            await asyncio.sleep(self._claim_poll)
            found = await self._cache.lookup(key)
            if found.value is not None:
                break
        return found

    def _landed(self, key: CacheKey[Any]) -> Callable[[asyncio.Future[Any]], None]:
        def done(flight: asyncio.Future[Any]) -> None:
            if self._flights.get(key) is flight:
                del self._flights[key]
            if not flight.cancelled():
                flight.exception()  # retrieved: every waiter got it already

        return done


class Cached(Generic[Q, R]):
    """A query handler behind the read-through cache, composed in the wiring: the handler only
    loads; `key` names the cache entry of a query (None: not worth caching)."""

    def __init__(
        self,
        inner: Callable[[Q], Awaitable[R]],
        reads: ReadThrough,
        ttl: timedelta,
        key: Callable[[Q], CacheKey[R] | None],
    ) -> None:
        self._inner = inner
        self._reads = reads
        self._ttl = ttl
        self._key = key
        # Behind a cache that keeps nothing (and no single flight), no key, no lookup, no fill:
        # about 5 % of an uncached read's CPU (bench/README.md, "The read's checkout").
        self._passes_through = reads.holds_nothing

    @property
    def keeps_values(self) -> bool:
        """Whether an answer may be a value already given before (the cache keeps them)."""
        return not self._passes_through

    async def __call__(self, query: Q) -> R:
        if self._passes_through:
            return await self._inner(query)
        key = self._key(query)
        if key is None:
            return await self._inner(query)
        return await self._reads.read(key, lambda: self._inner(query), self._ttl)
