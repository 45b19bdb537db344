"""Bounded retry of a whole unit of work when another writer got there first."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from domain.shared.errors import ConcurrentUpdate

T = TypeVar("T")
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
