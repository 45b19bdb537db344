"""A pool of async connections that lends a returned connection to the checkout that has waited
longest. SQLAlchemy's async pool keeps its idle connections in an asyncio.Queue, which wakes its
first waiter at a put but leaves the item in the queue: a checkout that runs before the woken
waiter (a request arriving then) takes it, and the waiter queues again at the end of the line,
so a wait has no bound (bench/README.md, Session 17 hpool). Here a put hands the item to the
first waiter itself; the queue holds items only while nobody waits."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import memoized_property
from sqlalchemy.util.queue import AsyncAdaptedQueue

_T = TypeVar("_T")


class _HandOff(asyncio.Queue[_T]):
    """An asyncio.Queue whose put gives the item to the first live waiter of its get."""

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self._waiting: deque[asyncio.Future[_T]] = deque()

    def put_nowait(self, item: _T) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():  # one that gave up (timed out, cancelled) is passed over
                waiter.set_result(item)
                return
        super().put_nowait(item)

    async def get(self) -> _T:
        if not self.empty():  # items wait only while nobody does: no one to overtake
            return self.get_nowait()
        waiter: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # Handed an item, then cancelled before it could take it: to the next waiter.
                self.put_nowait(waiter.result())
            else:
                waiter.cancel()
            raise


class _LifoHandOff(_HandOff[_T], asyncio.LifoQueue[_T]):
    """The same, its idle items lent last in first out (the pool's `use_lifo`)."""


class _HandOffQueue(AsyncAdaptedQueue[_T]):
    @memoized_property
    def _queue(self) -> asyncio.Queue[_T]:
        # Made at its first use, as SQLAlchemy's: bound to the loop that runs the app.
        return _LifoHandOff(self.maxsize) if self.use_lifo else _HandOff(self.maxsize)


class FairAsyncPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's async queue pool, its waiters served first come first served."""

    _queue_class: Any = _HandOffQueue
