"""MemoryOrderingUnitOfWork: staged product changes and appends, applied together at commit.

Commit checks every product version and stream version, then applies both, without awaiting:
all or nothing, for every coroutine of the process.
"""

from __future__ import annotations

from adapters.catalog.memory import MemoryCatalogStore, MemoryProductRepository
from adapters.ordering.catalog_stock import CatalogStock
from adapters.persistence.memory.event_store import MemoryEventLog
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.staged_events import StagedEvents
from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.ports.event_store import RecordedEvent
from domain.shared.events import DomainEvent


class MemoryStagedEvents(StagedEvents):
    def __init__(self, log: MemoryEventLog) -> None:
        super().__init__()
        self._log = log

    def _check_first(self, stream_id: str, expected_version: int) -> None:
        self._log.check(stream_id, expected_version)

    def check_commit(self) -> None:
        for stream_id, (expected_version, _) in self.staged.items():
            self._log.check(stream_id, expected_version)

    def apply_commit(self) -> None:
        for stream_id, (expected_version, events) in self.staged.items():
            self._log.commit(stream_id, expected_version, events)
        self.staged.clear()

    async def read(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        return self._log.read(stream_id, from_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        return self._log.read_all(after_position, limit)

    async def head_position(self) -> int:
        return len(self._log.events)


class MemoryOrderingUnitOfWork(OrderingUnitOfWork):
    """With an `outbox`, a commit also appends the integration events of its domain events."""

    def __init__(
        self,
        log: MemoryEventLog,
        catalog: MemoryCatalogStore,
        *,
        read_only: bool = False,
        outbox: MemoryOutbox | None = None,
    ) -> None:
        self._log = log
        self._catalog = catalog
        self.read_only = read_only
        self._outbox = outbox

    async def _begin(self) -> None:
        self._products = MemoryProductRepository(self._catalog, self)
        self.stock = CatalogStock(self._products)
        self.events = self._events = MemoryStagedEvents(self._log)

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._products.check_commit()
        self._events.check_commit()
        outgoing = self._outbox.prepare(events) if self._outbox else []
        self._products.apply_commit()
        self._events.apply_commit()
        if self._outbox:
            self._outbox.append(outgoing)

    async def _close(self) -> None:
        self._products.staged.clear()
        self._events.staged.clear()
