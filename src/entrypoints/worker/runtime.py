"""MessagingRuntime: runs the outbox relay and every consumer of the container in this process.

`portico worker` runs one per process (several processes share each consumer's durable
position); `portico serve` runs one in-process when the settings say so (the default with the
in-process bus), or one running only the listeners (each process's own cache invalidation).
Stopping is graceful: consumers stop fetching, finish the event in hand and ack it, the relay
finishes its batch, then the bus flushes and closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog

from application.messaging.consumers import ConsumerRunner, ConsumerStats
from application.messaging.lag import consumer_lag
from application.shared.ports.messaging import BusUnavailable
from entrypoints.container import Container

_log = structlog.get_logger("portico.worker")
_RETRY_CONNECT = 1.0


class MessagingRuntime:
    def __init__(
        self,
        container: Container,
        *,
        relay: bool = True,
        consumers: bool = True,
        listeners: bool = False,
    ) -> None:
        self._container = container
        self._bus = container.platform.bus()
        self._relay = container.platform.relay() if relay else None
        self.runner = ConsumerRunner(
            self._bus,
            container.consumers() if consumers else [],
            container.listeners() if listeners else [],
            tracing=container.platform.tracing(),
        )
        self._stopping = asyncio.Event()
        self.ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Return at once; connecting (and reconnecting) goes on in the background."""
        self._tasks.append(asyncio.create_task(self._run(), name="messaging"))
        interval = self._container.settings().bus.stats_interval
        if interval > 0:
            self._tasks.append(asyncio.create_task(self._log_stats(interval), name="stats"))

    async def _run(self) -> None:
        await self._until_connected()
        if self._stopping.is_set():
            return
        relay_task = None
        if self._relay is not None:
            relay_task = asyncio.create_task(self._relay.run(self._stopping), name="relay")
        await self._subscribe()
        if not self._stopping.is_set():
            self.ready.set()
            _log.info(
                "worker.ready",
                relay=self._relay is not None,
                consumers=[c.name for c in self.runner.consumers],
                listeners=[c.name for c in self.runner.listeners],
            )
        await self._stopping.wait()
        await self.runner.stop()
        if relay_task is not None:
            await relay_task

    async def _until_connected(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._bus.start()
                return
            except BusUnavailable as error:
                _log.warning("worker.bus_unavailable", detail=str(error))
                await _sleep_unless(self._stopping, _RETRY_CONNECT)

    async def _subscribe(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.runner.start()
                return
            except BusUnavailable as error:
                await self.runner.stop()
                _log.warning("worker.subscribe_failed", detail=str(error))
                await _sleep_unless(self._stopping, _RETRY_CONNECT)

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                if task.get_name() == "stats":
                    task.cancel()
                await task
        self._tasks.clear()

    async def stats(self) -> dict[str, Any]:
        """Outbox backlog and the age in seconds of its oldest event (0 when none waits), relay
        counters and, per consumer, counters (the events this process dead-lettered among them)
        and lag per context."""
        found: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            outbox = self._container.platform.outbox()
            found["outbox_backlog"] = await outbox.backlog()
            oldest = await outbox.oldest_pending()
            now = self._container.platform.clock().now()
            found["outbox_oldest_age"] = (now - oldest).total_seconds() if oldest else 0.0
        if self._relay is not None:
            found["relay"] = {
                "published": self._relay.stats.published,
                "failures": self._relay.stats.failures,
                "batches": self._relay.stats.batches,
            }
        lag = await consumer_lag(self._bus, self.runner.consumers)
        dead = self._bus.dead_lettered()
        found["consumers"] = {
            consumer.name: {
                **_counters(self.runner.stats[consumer.name]),
                "dead_lettered": dead.get(consumer.name, 0),
                "lag": lag[consumer.name],
            }
            for consumer in self.runner.consumers
        }
        if self.runner.listeners:
            found["listeners"] = self.listener_stats()
        return found

    @property
    def runs_shared_work(self) -> bool:
        """Whether this runtime relays the outbox or feeds shared consumers (not only listeners)."""
        return self._relay is not None or bool(self.runner.consumers)

    def listener_stats(self) -> dict[str, dict[str, Any]]:
        """This process's listeners: whether they are listening yet, and their counters (one
        copy of each event per process, so no shared lag)."""
        listening = self.ready.is_set()
        return {
            listener.name: {"listening": listening, **_counters(self.runner.stats[listener.name])}
            for listener in self.runner.listeners
        }

    async def _log_stats(self, interval: float) -> None:
        while not self._stopping.is_set():
            await _sleep_unless(self._stopping, interval)
            if not self._stopping.is_set():
                _log.info("messaging.stats", **await self.stats())


def _counters(counts: ConsumerStats) -> dict[str, int]:
    return {
        "delivered": counts.delivered,
        "applied": counts.applied,
        "skipped": counts.skipped,
        "failed": counts.failed,
    }


async def _sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
