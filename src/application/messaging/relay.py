"""OutboxRelay: moves committed integration events from the outbox to the bus, in order.

It waits on the outbox's doorbell, which every commit that adds events rings (in this process,
and with PostgreSQL in every process): polling is only the safety net for a lost ring, and
backs off from `poll_interval` to `idle_poll_interval` while nothing comes. Woken after a batch
it published, it lingers (`linger`) before the next claim: under a stream of commits each claim
then serves several events, where it served one or two (bench/README.md, session 15).

Several relays may run at once (one per worker process): each claims its own batch, and the
outbox never hands two relays rows of one aggregate at the same time, so every aggregate's events
reach the bus in the order they were committed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from application.shared.errors import DependencyUnavailable
from application.shared.ports.messaging import BusUnavailable, MessageBus
from application.shared.ports.outbox import Outbox
from application.shared.ports.tracing import NoTracing, Tracing
from application.shared.waiting import first_of

_log = logging.getLogger("portico.relay")


@dataclass(slots=True)
class RelayStats:
    published: int = 0
    failures: int = 0
    batches: int = 0  # claims that published something: published / batches per claim


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        bus: MessageBus,
        *,
        batch_size: int = 100,
        poll_interval: float = 0.2,
        idle_poll_interval: float | None = None,
        linger: float = 0.0,
        retry_delay: float = 1.0,
        tracing: Tracing | None = None,
    ) -> None:
        self._outbox = outbox
        self._bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.idle_poll_interval = max(idle_poll_interval or poll_interval, poll_interval)
        self.linger = linger
        self.retry_delay = retry_delay
        self.stats = RelayStats()
        self._tracing = tracing or NoTracing()
        # After a failed publish, ask the bus before claiming again: a claim holds its rows
        # (all writes, on SQLite) while it publishes, which a dead bus would drag out.
        self._bus_suspect = False

    async def relay_once(self) -> int:
        """Publish one batch; return how many events it published. Raises nothing on a bus
        failure: the unpublished events stay pending, and `stats.failures` counts it."""
        if self._bus_suspect:
            try:
                await self._bus.ping()
            except BusUnavailable:
                self.stats.failures += 1
                return 0
            self._bus_suspect = False
        async with self._outbox.claim(self.batch_size) as batch:
            if not batch.events:
                return 0
            # Its own trace: each event's publish span joins the trace that committed it.
            with self._tracing.span("outbox relay", attributes={"batch.size": len(batch.events)}):
                published = await self._bus.publish_all(batch.events)
            batch.sent(published)
        self.stats.published += published
        if published:
            self.stats.batches += 1
        if published < len(batch.events):
            self.stats.failures += 1
            self._bus_suspect = True
        return published

    async def run(self, stopping: asyncio.Event) -> None:
        """Relay until `stopping` is set: at once while batches come back full, otherwise when
        the doorbell rings or the safety-net poll is due (its pause doubles while batches come
        back empty), `linger` later if the last batch published something (the commits of
        that moment go together; a first event after a quiet spell goes at once), and after
        `retry_delay` when the bus failed."""
        pause = self.poll_interval
        while not stopping.is_set():
            failures = self.stats.failures
            try:
                published = await self.relay_once()
            except DependencyUnavailable:
                # The outbox's store is down; it logs its own outage once, not every retry.
                self.stats.failures += 1
                published = 0
            except Exception:
                # The outbox's store failed (a database restart): keep the worker alive.
                _log.exception("relay: the outbox could not be read")
                self.stats.failures += 1
                published = 0
            if self.stats.failures > failures:
                await _sleep_unless(stopping, self.retry_delay)
            elif published < self.batch_size:
                pause = self.poll_interval if published else pause
                await first_of(stopping, self._outbox.wait(pause, self))
                if published and self.linger:
                    await _sleep_unless(stopping, self.linger)
                pause = min(pause * 2, self.idle_poll_interval)


async def _sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return
