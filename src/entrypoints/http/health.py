"""/health/live and /health/ready: liveness of the process, readiness of each configured adapter."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

import msgspec
import structlog
from litestar import Controller, Response, get
from litestar.datastructures import State

from domain.shared.messaging import BusUnavailable
from entrypoints.container import Container

Status = Literal["up", "degraded", "down"]
Probe = Callable[[], Awaitable[Status]]
_log = structlog.get_logger("portico.health")


class Degraded(Exception):
    """A probe's dependency is down, but the service still does its job without it."""


class Check(msgspec.Struct):
    status: Status
    detail: str | None = None


class Readiness(msgspec.Struct):
    status: Status
    checks: dict[str, Check]


def probes(container: Container) -> dict[str, Probe]:
    """One probe per configured adapter that can fail; in-process adapters cannot."""
    settings = container.settings()
    found: dict[str, Probe] = {}
    if settings.persistence == "sql":
        database = container.sql_database()

        async def database_probe() -> Status:
            await database.ping()
            return "up"

        found["database"] = database_probe
    if settings.cache == "redis":
        # Never "down": without Redis, reads are served from the database ("degraded").
        found["cache"] = container.redis_cache().status
    if settings.bus != "memory":
        bus = container.bus()

        async def bus_probe() -> Status:
            # Writes still succeed without the bus: their events wait in the outbox.
            try:
                async with asyncio.timeout(settings.readiness_timeout / 2):
                    await bus.start()
                    await bus.ping()
            except (BusUnavailable, TimeoutError) as error:
                reason = str(error) or "no answer in time"
                raise Degraded(f"{reason}; events wait in the outbox") from None
            return "up"

        found["bus"] = bus_probe
    lag = container.projection_lag()
    limit = settings.projection_lag_degraded

    async def projections_probe() -> Status:
        # Reads still answer, from projections that are behind: degraded, never down.
        try:
            lags = await lag()
        except Exception as error:  # the database check names a database outage
            raise Degraded(f"projection lag unknown: {type(error).__name__}") from None
        behind = {name: events for name, events in lags.items() if events > limit}
        if behind:
            detail = ", ".join(f"{name} {events} events behind" for name, events in behind.items())
            raise Degraded(f"{detail} (more than {limit}); is a projector running?")
        return "up"

    found["projections"] = projections_probe
    if settings.payments == "http":
        breaker = container.payment_breaker().breaker

        async def payments_probe() -> Status:
            # The breaker's view, no call to the provider: orders are still placed and read.
            if breaker.state != "closed":
                raise Degraded(
                    f"payment provider circuit {breaker.state}: payments answer 503 for "
                    f"{breaker.retry_after():.0f}s more"
                )
            return "up"

        found["payments"] = payments_probe
    return found


async def readiness(container: Container) -> Readiness:
    timeout = container.settings().readiness_timeout
    found = probes(container)
    results = await asyncio.gather(*(_run(name, probe, timeout) for name, probe in found.items()))
    checks = dict(zip(found, results, strict=True))
    statuses = {check.status for check in checks.values()}
    overall: Status = (
        "down" if "down" in statuses else "degraded" if "degraded" in statuses else "up"
    )
    return Readiness(overall, checks)


async def _run(name: str, probe: Probe, seconds: float) -> Check:
    try:
        async with asyncio.timeout(seconds):
            return Check(await probe())
    except Degraded as error:
        _log.warning("health.check_degraded", check=name, detail=str(error))
        return Check("degraded", str(error))
    except TimeoutError:
        detail = f"no answer within {seconds}s"
    except Exception as error:
        detail = f"{type(error).__name__}: {error}"
    _log.warning("health.check_failed", check=name, detail=detail)
    return Check("down", detail)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="live")
    async def live(self) -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "up"}

    @get("/ready", operation_id="ready")
    async def ready(self, state: State) -> Response[Readiness]:
        """Every configured adapter answers: 200 when up or degraded, 503 naming what is down."""
        result = await readiness(state["container"])
        return Response(result, status_code=503 if result.status == "down" else 200)
