"""Readiness probes of the platform's adapters, and the vocabulary every probe speaks.

A probe is an async callable answering "up", raising `Degraded` when the service still does its
job without the dependency, or raising anything else (or timing out) when it is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from adapters.cache.redis import RedisCache
from adapters.persistence.sql.database import SqlDatabase
from application.shared.ports.messaging import BusUnavailable, MessageBus

Status = Literal["up", "degraded", "down"]
Probe = Callable[[], Awaitable[Status]]


class Degraded(Exception):
    """A probe's dependency is down, but the service still does its job without it."""


def database_probe(database: SqlDatabase) -> Probe:
    async def probe() -> Status:
        await database.ping()
        return "up"

    return probe


def cache_probe(cache: RedisCache) -> Probe:
    # Never "down": without Redis, reads are served from the database ("degraded").
    return cache.status


def bus_probe(bus: MessageBus, readiness_timeout: float) -> Probe:
    async def probe() -> Status:
        # Writes still succeed without the bus: their events wait in the outbox.
        try:
            async with asyncio.timeout(readiness_timeout / 2):
                await bus.start()
                await bus.ping()
        except (BusUnavailable, TimeoutError) as error:
            reason = str(error) or "no answer in time"
            raise Degraded(f"{reason}; events wait in the outbox") from None
        return "up"

    return probe
