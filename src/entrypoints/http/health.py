"""/health/live and /health/ready: liveness of the process, readiness of each configured adapter."""

from __future__ import annotations

import asyncio

import msgspec
import structlog
from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec

from entrypoints.container import Container, active_probes
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
        result = await readiness(state["container"])
        return Response(result, status_code=503 if result.status == "down" else 200)
