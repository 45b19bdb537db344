"""Keeps AccessRevocations current with access changes made by other processes."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from application.identity.access_revocations import AccessRevocations

_log = structlog.get_logger("portico.auth")


class RevocationSync:
    """A background task that calls `sync()` every `interval` seconds while the app runs."""

    def __init__(self, revocations: AccessRevocations, interval: float) -> None:
        self._revocations = revocations
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._sync_once()
        self._task = asyncio.create_task(self._run(), name="access-revocation-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self._sync_once()

    async def _sync_once(self) -> None:
        try:
            await self._revocations.sync()
        except Exception as error:  # the next round tries again; requests go on meanwhile
            _log.warning("auth.revocation_sync_failed", error=f"{type(error).__name__}: {error}")
