"""MemoryAuditUnitOfWork: the audit log and its inbox in lists, with the SQL adapter's contract;
MemoryInboxRecords: the housekeeping of that inbox, as SqlInboxRecords does for the SQL one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from application.audit.unit_of_work import AuditUnitOfWork
from application.shared.ports.inbox import AlreadyApplied, Inbox, InboxRecords
from domain.audit.entry import AuditEntry, AuditPosition
from domain.audit.repository import AuditLog
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant


@dataclass
class MemoryAuditStore:
    entries: list[AuditEntry] = field(default_factory=list)
    # The events that have an entry: one each, as the SQL log's primary key keeps it.
    logged: set[UUID] = field(default_factory=set)
    # (consumer, event id) -> when it was applied, stamped as the SQL inbox stamps it.
    processed: dict[tuple[str, UUID], datetime] = field(default_factory=dict)


class _Entries(AuditLog):
    def __init__(self, store: MemoryAuditStore) -> None:
        self._store = store
        self.staged: list[AuditEntry] = []

    async def add(self, entry: AuditEntry) -> None:
        self.staged.append(entry)

    async def page(
        self, tenant: Tenant, *, before: AuditPosition | None, limit: int
    ) -> list[AuditEntry]:
        rows = [e for e in self._store.entries if e.tenant == tenant]
        rows.sort(key=lambda e: (e.occurred_at, e.event_id), reverse=True)
        if before is not None:
            edge = (before.occurred_at, before.event_id)
            rows = [e for e in rows if (e.occurred_at, e.event_id) < edge]
        return rows[:limit]


class _Inbox(Inbox):
    def __init__(self, store: MemoryAuditStore) -> None:
        self._store = store
        self.staged: set[tuple[str, UUID]] = set()

    async def first_time(self, consumer: str, event_id: UUID) -> bool:
        key = (consumer, event_id)
        if key in self._store.processed or key in self.staged:
            return False
        self.staged.add(key)
        return True


class MemoryAuditUnitOfWork(AuditUnitOfWork):
    def __init__(self, store: MemoryAuditStore, *, read_only: bool = False) -> None:
        self._store = store
        self.read_only = read_only

    async def _begin(self) -> None:
        self.entries = self._entries = _Entries(self._store)
        self.inbox = self._inbox = _Inbox(self._store)

    async def _commit(self, events: list[DomainEvent]) -> None:
        # Checked again at commit, as a unique key would: a concurrent twin loses.
        if self._inbox.staged & self._store.processed.keys():
            raise RuntimeError("another unit of work applied this event meanwhile")
        logged = {entry.event_id for entry in self._entries.staged}
        if len(logged) < len(self._entries.staged) or logged & self._store.logged:
            raise AlreadyApplied("an event of this unit of work has its entry already")
        now = datetime.now(UTC)
        self._store.processed.update(dict.fromkeys(self._inbox.staged, now))
        self._store.entries.extend(self._entries.staged)
        self._store.logged |= logged
        self._inbox.staged, self._entries.staged = set(), []

    async def _close(self) -> None:
        self._inbox.staged, self._entries.staged = set(), []


class MemoryInboxRecords(InboxRecords):
    """Without it a long-running process with memory persistence would remember every event id
    it ever applied: the same retention as the SQL inbox bounds it."""

    def __init__(self, store: MemoryAuditStore) -> None:
        self._store = store

    async def forget(self, before: datetime) -> int:
        processed = self._store.processed
        old = [key for key, applied_at in processed.items() if applied_at < before]
        for key in old:
            del processed[key]
        return len(old)
