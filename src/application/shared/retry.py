"""Bounded retry of a whole unit of work when another writer got there first."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from domain.shared.errors import ConcurrentUpdate

T = TypeVar("T")
C = TypeVar("C")
DEFAULT_ATTEMPTS = 3
BACKOFF_SECONDS = 0.005


async def retry_on_conflict(
    attempt: Callable[[], Awaitable[T]], *, attempts: int = DEFAULT_ATTEMPTS
) -> T:
    """Run `attempt` until it does not raise ConcurrentUpdate, at most `attempts` times.

    Only for commands that are safe to repeat: each attempt must reload what it decides on, in
    a fresh unit of work, so a retry decides again on the new state (it may then refuse).
    The last ConcurrentUpdate propagates (409).
    """
    for tried in range(1, attempts + 1):
        try:
            return await attempt()
        except ConcurrentUpdate:
            if tried == attempts:
                raise
        # A short random pause, growing with each try, so the racers do not collide again.
        await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * tried))  # noqa: S311
    raise ValueError("attempts must be at least 1")


class RetriedOnConflict(Generic[C, T]):
    """A command handler rerun on ConcurrentUpdate, composed in the wiring: the handler holds
    only its use case (one unit of work that reloads what it decides on)."""

    def __init__(
        self, inner: Callable[[C], Awaitable[T]], *, attempts: int = DEFAULT_ATTEMPTS
    ) -> None:
        self._inner = inner
        self._attempts = attempts

    async def __call__(self, command: C) -> T:
        return await retry_on_conflict(lambda: self._inner(command), attempts=self._attempts)
