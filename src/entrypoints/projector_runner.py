"""ProjectorRunner: the order projections kept up to date by a long-running process.

PORTICO_BACKGROUND picks the process: by default `portico serve` with the memory bus and
`portico worker` with NATS. Several at once are safe (projector steps are compare-and-set).
The platform's doorbell wakes them when a commit appends events; they poll only as a safety net.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from application.shared.errors import DependencyUnavailable
from application.shared.ports.wakeup import Doorbell
from application.shared.projector import Projector
from entrypoints.platform.builders import idle_poll_interval

_log = structlog.get_logger("portico.projector")


class ProjectorRunner:
    def __init__(
        self,
        projector: Projector,
        *,
        idle_seconds: float = 0.05,
        idle_max: float | None = None,
        doorbell: Doorbell | None = None,
    ) -> None:
        self._projector = projector
        self._idle, self._idle_max, self._doorbell = idle_seconds, idle_max, doorbell
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(
            self._projector.follow(
                self._stop,
                idle_seconds=self._idle,
                idle_max=self._idle_max,
                doorbell=self._doorbell,
                on_error=_report,
            ),
            name="order-projector",
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None


def projector_runners(container: Any) -> list[ProjectorRunner]:
    """A runner per projector of the container, woken by the platform's doorbell."""
    platform = container.platform
    doorbell = platform.doorbell()
    idle_max = idle_poll_interval(platform.settings(), doorbell)
    return [
        ProjectorRunner(projector, idle_max=idle_max, doorbell=doorbell)
        for projector in container.projectors()
    ]


def _report(error: Exception) -> None:
    if isinstance(error, DependencyUnavailable):
        return  # the database logs its outage once, not every retry here
    _log.warning("projector.failed", error_type=type(error).__name__, error=str(error))
