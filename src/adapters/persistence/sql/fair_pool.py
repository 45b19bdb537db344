"""A pool of async connections that lends a returned connection to the checkout that has waited
longest. SQLAlchemy's async pool keeps its idle connections in an asyncio.Queue, which wakes its
first waiter at a put but leaves the item in the queue: a checkout that runs before the woken
waiter (a request arriving then) takes it, and the waiter queues again at the end of the line,
so a wait has no bound (bench/README.md, Session 17 hpool). Here a put hands the item to the
first waiter itself; the queue holds items only while nobody waits.

A wait bounded by the pool's timeout shares one timer with the other waits of its queue:
`asyncio.timeout` arms and cancels a timer per wait, and at 32 requests on 10 connections
nearly every checkout waits (about 3 % of a product create, bench/README.md, Session 19)."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import memoized_property
from sqlalchemy.util.concurrency import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

_T = TypeVar("_T")


class HandOff(asyncio.Queue[_T]):
    """An asyncio.Queue whose put gives the item to the first live waiter of its get."""

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        # Each waiter with its deadline (loop time; None: it waits as long as it takes).
        self._waiting: deque[tuple[asyncio.Future[_T], float | None]] = deque()
        self._timer: asyncio.TimerHandle | None = None  # at the earliest deadline, or later

    def put_nowait(self, item: _T) -> None:
        while self._waiting:
            waiter, _deadline = self._waiting.popleft()
            if not waiter.done():  # one that gave up (timed out, cancelled) is passed over
                waiter.set_result(item)
                return
        super().put_nowait(item)

    async def get(self) -> _T:
        if not self.empty():  # items wait only while nobody does: no one to overtake
            return self.get_nowait()
        return await self._wait(None)

    async def get_within(self, seconds: float) -> _T:
        """As `get`, but TimeoutError once `seconds` have passed without an item."""
        if not self.empty():
            return self.get_nowait()
        return await self._wait(asyncio.get_running_loop().time() + seconds)

    async def _wait(self, deadline: float | None) -> _T:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[_T] = loop.create_future()
        self._waiting.append((waiter, deadline))
        timer = self._timer
        if deadline is not None and (timer is None or deadline < timer.when()):
            # Deadlines come in order when the timeouts are equal (the pool's): the one timer
            # is armed once, then again only as it fires.
            if timer is not None:
                timer.cancel()
            self._timer = loop.call_at(deadline, self._expire)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                # Handed an item, then cancelled before it could take it: to the next waiter.
                self.put_nowait(waiter.result())
            else:
                waiter.cancel()
            raise

    def _expire(self) -> None:
        """Fail the waits whose deadline has passed; the timer again for the next deadline."""
        self._timer = None
        now = asyncio.get_running_loop().time()
        following: float | None = None
        waiting: deque[tuple[asyncio.Future[_T], float | None]] = deque()
        for waiter, deadline in self._waiting:
            if waiter.done():
                continue
            if deadline is not None and deadline <= now:
                waiter.set_exception(TimeoutError())
                continue
            waiting.append((waiter, deadline))
            if deadline is not None and (following is None or deadline < following):
                following = deadline
        self._waiting = waiting
        if following is not None:
            self._timer = asyncio.get_running_loop().call_at(following, self._expire)


class _LifoHandOff(HandOff[_T], asyncio.LifoQueue[_T]):
    """The same, its idle items lent last in first out (the pool's `use_lifo`)."""


class _HandOffQueue(AsyncAdaptedQueue[_T]):
    @memoized_property
    def _queue(self) -> HandOff[_T]:
        # Made at its first use, as SQLAlchemy's: bound to the loop that runs the app.
        return _LifoHandOff(self.maxsize) if self.use_lifo else HandOff(self.maxsize)

    def get(self, block: bool = True, timeout: float | None = None) -> _T:
        """The engine's checkout (in a greenlet): SQLAlchemy's, its bounded wait on the timer
        of the queue instead of `asyncio.timeout`."""
        queue = self._queue
        if not block or not queue.empty() or timeout is None:
            return super().get(block, timeout)
        try:
            return await_(queue.get_within(timeout))
        except TimeoutError as error:
            raise Empty() from error


class FairAsyncPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's async queue pool, its waiters served first come first served."""

    _queue_class: Any = _HandOffQueue
