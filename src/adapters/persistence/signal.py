"""NewEvents: a wake-up call from the units of work that wrote events to the relays that wait."""

from __future__ import annotations

import asyncio
import contextlib


class NewEvents:
    """An asyncio.Event per running loop, so one adapter survives tests that change loops."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self._event is None or self._loop is not loop:
            self._event, self._loop = asyncio.Event(), loop
        return self._event

    def notify(self) -> None:
        with contextlib.suppress(RuntimeError):  # no running loop: nobody can be waiting
            self._current().set()

    async def wait(self, at_most: float) -> None:
        event = self._current()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), at_most)
        event.clear()
