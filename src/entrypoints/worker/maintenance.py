"""MaintenanceLoop: housekeeping on a schedule, in every worker, run by the lease's holder only.

Every worker ticks; the one holding the lease runs the chores, the others skip. When the holder
stops, its lease runs out and another worker takes over within two intervals.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from datetime import timedelta

import structlog

from application.shared.maintenance import ChoreDone, Maintenance

_log = structlog.get_logger("portico.maintenance")


class MaintenanceLoop:
    def __init__(self, maintenance: Maintenance, interval: float) -> None:
        self._maintenance = maintenance
        self._every = timedelta(seconds=interval)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._every > timedelta(0) and self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="maintenance")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                done = await self._maintenance.run_if_leader(self.holder, self._every)
            except Exception as error:  # the lease's store is down: try again next time
                _log.warning("maintenance.skipped", error=f"{type(error).__name__}: {error}")
            else:
                if done is not None:
                    log_done(done)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._every.total_seconds())


def log_done(done: list[ChoreDone]) -> None:
    """One line for the run, one warning per failed chore."""
    for chore in done:
        if chore.error is not None:
            _log.warning("maintenance.chore_failed", chore=chore.name, error=chore.error)
    _log.info("maintenance.done", **{c.name: c.rows for c in done if c.error is None})
