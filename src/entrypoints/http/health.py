"""/health/live and /health/ready: liveness of the process, readiness of each configured adapter."""

from __future__ import annotations

import asyncio

import msgspec
import structlog
from litestar import Controller, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec

from entrypoints.container import Container, active_probes
from entrypoints.http.responses import Response
from entrypoints.platform.probes import Degraded, Probe, Status

_log = structlog.get_logger("portico.health")


class Check(msgspec.Struct):
    status: Status
    detail: str | None = None


class Readiness(msgspec.Struct):
    status: Status
    checks: dict[str, Check]


async def readiness(container: Container) -> Readiness:
    timeout = container.settings().http.readiness_timeout
    found = active_probes(container)
    results = await asyncio.gather(*(_run(name, probe, timeout) for name, probe in found.items()))
    checks = dict(zip(found, results, strict=True))
    statuses = {check.status for check in checks.values()}
    overall: Status = (
        "down" if "down" in statuses else "degraded" if "degraded" in statuses else "up"
    )
    return Readiness(overall, checks)


class SharedReadiness:
    """One readiness check at a time in a process: a request that arrives while one runs gets
    that check's answer instead of starting its own. Load balancers and orchestrators probe
    every few seconds each, but many of them at once (or a probe storm when a service
    restarts) would otherwise each take a connection to every dependency, on a server whose
    pool the traffic already holds: the checks then time out and a busy but healthy server is
    taken out of rotation. The answer a request joins began at most the readiness timeout ago."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._running: asyncio.Future[Readiness] | None = None

    async def __call__(self) -> Readiness:
        if self._running is None:
            self._running = asyncio.ensure_future(readiness(self._container))
            self._running.add_done_callback(self._finished)
        # A request that goes away (its client hung up) leaves the check to the others.
        return await asyncio.shield(self._running)

    def _finished(self, _: asyncio.Future[Readiness]) -> None:
        self._running = None


async def _run(name: str, probe: Probe, seconds: float) -> Check:
    try:
        async with asyncio.timeout(seconds):
            answer = await probe()
        return Check(*answer) if isinstance(answer, tuple) else Check(answer)
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

    @get("/live", operation_id="live", summary="Liveness: the process answers")
    async def live(self) -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "up"}

    @get(
        "/ready",
        operation_id="ready",
        summary="Readiness: the dependencies answer",
        responses={
            503: ResponseSpec(Readiness, description="Something is down; `checks` says what")
        },
    )
    async def ready(self, state: State) -> Response[Readiness]:
        """Every configured adapter answers: 200 when up or degraded, 503 naming what is down."""
        check: SharedReadiness = state["readiness"]
        result = await check()
        return Response(result, status_code=503 if result.status == "down" else 200)
