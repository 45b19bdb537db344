"""MemoryOutbox: the outbox of the in-memory units of work, with the SQL outbox's contract.

Rows are appended by a unit of work's commit in the same synchronous step as its state change,
so both happen or neither does. A published row is dropped (memory is the only cost of a sent
row here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from adapters.persistence.doorbell import InProcessDoorbell
from application.messaging.registry import IntegrationEvents
from application.shared.ports.messaging import IntegrationEvent
from application.shared.ports.outbox import Outbox, OutboxBatch
from application.shared.ports.wakeup import Doorbell
from domain.shared.events import DomainEvent


@dataclass(slots=True)
class _Row:
    event: IntegrationEvent
    claimed: bool = False


class _Batch(OutboxBatch):
    def __init__(self, rows: list[_Row]) -> None:
        self.rows = rows
        self.events = [row.event for row in rows]
        self.count = 0

    def sent(self, count: int) -> None:
        self.count = max(0, min(count, len(self.rows)))


class MemoryOutbox(Outbox):
    def __init__(self, events: IntegrationEvents, doorbell: Doorbell | None = None) -> None:
        self._to_integration = events
        self._rows: list[_Row] = []
        self._doorbell = doorbell or InProcessDoorbell()

    def prepare(self, domain_events: Sequence[DomainEvent]) -> list[IntegrationEvent]:
        """The integration events of a commit; may raise, so call it before changing state."""
        return self._to_integration(domain_events)

    def append(self, events: Sequence[IntegrationEvent]) -> None:
        """Keep the events; synchronous, so it is atomic with the caller's state change."""
        self._rows.extend(_Row(event) for event in events)
        if events:
            self._doorbell.ring()

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[OutboxBatch]:
        taken: list[_Row] = []
        blocked: set[UUID] = set()
        for row in self._rows:
            if len(taken) >= limit:
                break
            aggregate = row.event.aggregate_id
            if row.claimed:
                blocked.add(aggregate)  # another relay holds an earlier event of it
            elif aggregate not in blocked:
                taken.append(row)
        for row in taken:
            row.claimed = True
        batch = _Batch(taken)
        try:
            yield batch
        finally:
            sent = {id(row) for row in taken[: batch.count]}
            self._rows = [row for row in self._rows if id(row) not in sent]
            for row in taken:
                row.claimed = False

    async def backlog(self) -> int:
        return len(self._rows)

    async def oldest_pending(self) -> datetime | None:
        return self._rows[0].event.occurred_at if self._rows else None

    async def purge_sent(self, before: datetime) -> int:
        return 0  # a published row is dropped at once

    async def wait(self, at_most: float, waiter: object = None) -> bool:
        return await self._doorbell.wait(at_most, waiter)
