"""Readiness probes of the platform's adapters, and the vocabulary every probe speaks.

A probe is an async callable answering "up", raising `Degraded` when the service still does its
job without the dependency, or raising anything else (or timing out) when it is down. A probe
of a dependency the service does without is wrapped in `never_down`: slow or failing, it is
degraded, so a busy server is not taken out of its load balancer (docs/operations.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.replica import replica_lag
from application.shared.ports.messaging import MessageBus

Status = Literal["up", "degraded", "down"]
# A probe answers its status, or its status and a detail worth showing (a replica's lag).
Probe = Callable[[], Awaitable[Status | tuple[Status, str]]]


class Degraded(Exception):
    """A probe's dependency is down, but the service still does its job without it."""


def never_down(probe: Probe, readiness_timeout: float, consequence: str) -> Probe:
    """`probe`, for a dependency the service does its job without (`consequence` says how):
    what it raises, and no answer within half the readiness timeout (before the readiness check
    gives up on it and says down), is Degraded. The answer comes by then even if the probe is
    slow to honour its cancellation (a readiness request once hung on nats-py's retries to a
    closed port)."""
    seconds = readiness_timeout / 2

    async def guarded() -> Status | tuple[Status, str]:
        attempt = asyncio.ensure_future(probe())
        done, _ = await asyncio.wait({attempt}, timeout=seconds)
        if not done:
            attempt.cancel()
            raise Degraded(f"no answer within {seconds}s; {consequence}")
        try:
            return attempt.result()
        except Degraded:
            raise
        except Exception as error:
            raise Degraded(f"{type(error).__name__}: {error}; {consequence}") from None

    return guarded


def database_probe(database: SqlDatabase) -> Probe:
    # On a connection of the probe's own (SqlDatabase.ping): down when the database does not
    # answer, not when the load has every pooled connection.
    async def probe() -> Status:
        await database.ping()
        return "up"

    return probe


def replica_probe(database: SqlDatabase | None, readiness_timeout: float) -> Probe | None:
    """The read replica, when there is one: up with its lag, or degraded (the primary reads)."""
    if database is None or database.replica is None:
        return None

    async def probe() -> tuple[Status, str]:
        lag = await replica_lag(database)
        return "up", "lag unknown on this engine" if lag is None else f"lag {lag} bytes of WAL"

    return never_down(probe, readiness_timeout, "queries read the primary")


# [adapter:nats begin]
def bus_probe(bus: MessageBus, readiness_timeout: float) -> Probe:
    async def probe() -> Status:
        await bus.start()
        await bus.ping()
        return "up"

    # Writes still succeed without the bus: their events wait in the outbox.
    return never_down(probe, readiness_timeout, "events wait in the outbox")


# [adapter:nats end]
