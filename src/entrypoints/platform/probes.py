"""Readiness probes of the platform's adapters, and the vocabulary every probe speaks.

A probe is an async callable answering "up", raising `Degraded` when the service still does its
job without the dependency, or raising anything else (or timing out) when it is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.replica import replica_lag
from application.shared.ports.messaging import BusUnavailable, MessageBus

Status = Literal["up", "degraded", "down"]
# A probe answers its status, or its status and a detail worth showing (a replica's lag).
Probe = Callable[[], Awaitable[Status | tuple[Status, str]]]


class Degraded(Exception):
    """A probe's dependency is down, but the service still does its job without it."""


def database_probe(database: SqlDatabase) -> Probe:
    async def probe() -> Status:
        await database.ping()
        return "up"

    return probe


def replica_probe(database: SqlDatabase | None) -> Probe | None:
    """The read replica, when there is one: up with its lag, or degraded (the primary reads)."""
    if database is None or database.replica is None:
        return None

    async def probe() -> tuple[Status, str]:
        try:
            lag = await replica_lag(database)
        except Exception as error:
            raise Degraded(f"{type(error).__name__}: {error}; queries read the primary") from None
        return "up", "lag unknown on this engine" if lag is None else f"lag {lag} bytes of WAL"

    return probe


# [adapter:nats begin]
def bus_probe(bus: MessageBus, readiness_timeout: float) -> Probe:
    async def reach() -> None:
        await bus.start()
        await bus.ping()

    async def probe() -> Status:
        # Writes still succeed without the bus: their events wait in the outbox. The answer
        # comes by the deadline even if the client's connection loop is slow to honour its
        # cancellation (a readiness request once hung on nats-py's retries to a closed port).
        attempt = asyncio.ensure_future(reach())
        done, _ = await asyncio.wait({attempt}, timeout=readiness_timeout / 2)
        if not done:
            attempt.cancel()
            raise Degraded("no answer in time; events wait in the outbox")
        try:
            attempt.result()
        except BusUnavailable as error:
            raise Degraded(f"{error}; events wait in the outbox") from None
        return "up"

    return probe


# [adapter:nats end]
