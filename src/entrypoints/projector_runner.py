"""ProjectorRunner: the order projections kept up to date by a long-running process.

PORTICO_BACKGROUND picks the process: by default `portico serve` with the memory bus and
`portico worker` with NATS. Several at once are safe (projector steps are compare-and-set).
"""

from __future__ import annotations

import asyncio

import structlog

from application.shared.errors import DependencyUnavailable
from application.shared.projector import Projector

_log = structlog.get_logger("portico.projector")


class ProjectorRunner:
    def __init__(self, projector: Projector, *, idle_seconds: float = 0.05) -> None:
        self._projector = projector
        self._idle = idle_seconds
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(
            self._projector.follow(self._stop, idle_seconds=self._idle, on_error=_report),
            name="order-projector",
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None


def _report(error: Exception) -> None:
    if isinstance(error, DependencyUnavailable):
        return  # the database logs its outage once, not every retry here
    _log.warning("projector.failed", error_type=type(error).__name__, error=str(error))
