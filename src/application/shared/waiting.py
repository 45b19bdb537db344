"""Waiting for new work until the loop is asked to stop: the outbox relay and the projectors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable


async def first_of(stop: asyncio.Event, waiting: Awaitable[bool]) -> bool:
    """What `waiting` said (rung or not), or False when `stop` came first (the other is then
    cancelled)."""
    stopped = asyncio.ensure_future(stop.wait())
    other = asyncio.ensure_future(waiting)
    try:
        await asyncio.wait({stopped, other}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (stopped, other):
            task.cancel()
    return other.done() and not other.cancelled() and other.result()
