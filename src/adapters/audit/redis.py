"""RedisAuditUnitOfWork: audit entries and the consumer inbox committed by one Lua script.

Keys under `<prefix>:audit:`: `entry` (hash event id -> JSON) and `order` (members sorting as
(occurred_at, event_id), adapters/persistence/redis/ordered.py), read newest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.persistence.redis.documents import (
    CommitRefused,
    RedisDocuments,
    WriteSet,
    dumps,
    loads,
)
from adapters.persistence.redis.inbox import RedisInbox
from adapters.persistence.redis.ordered import member, member_id
from application.audit.unit_of_work import AuditUnitOfWork
from domain.audit.entry import AuditEntry, AuditPosition
from domain.audit.repository import AuditLog
from domain.shared.events import DomainEvent


class RedisAuditLog(AuditLog):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._entries = documents.key("audit", "entry")
        self._order = documents.key("audit", "order")
        self.staged: list[AuditEntry] = []

    async def add(self, entry: AuditEntry) -> None:
        self.staged.append(entry)

    async def page(self, *, before: AuditPosition | None, limit: int) -> list[AuditEntry]:
        top = "+" if before is None else f"({member(before.occurred_at, before.event_id)}"
        client = self._documents.client
        async with self._documents.reachable():
            found = await client.zrevrangebylex(self._order, top, "-", start=0, num=limit)
            ids = [str(member_id(value)) for value in found]
            raw = await client.hmget(self._entries, ids) if ids else []
        return [_entry(loads(item)) for item in raw if item is not None]

    def stage(self, writes: WriteSet) -> None:
        for entry in self.staged:
            writes.writes.append(["hset", self._entries, [str(entry.event_id), _json(entry)]])
            writes.index(self._order, member(entry.occurred_at, entry.event_id))


class RedisAuditUnitOfWork(AuditUnitOfWork):
    def __init__(self, documents: RedisDocuments, *, read_only: bool = False) -> None:
        self._documents = documents
        self.read_only = read_only

    async def _begin(self) -> None:
        self.entries = self._entries = RedisAuditLog(self._documents)
        self.inbox = self._inbox = RedisInbox(self._documents)

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        writes = WriteSet()
        self._inbox.stage(writes)
        self._entries.stage(writes)
        try:
            await self._documents.commit(writes)
        except CommitRefused:
            raise RuntimeError("another unit of work applied this event meanwhile") from None
        self._discard()

    async def _close(self) -> None:
        self._discard()

    def _discard(self) -> None:
        self._entries.staged.clear()
        self._inbox.staged.clear()


def _json(entry: AuditEntry) -> str:
    document: dict[str, Any] = {
        "event_id": str(entry.event_id),
        "type": entry.type,
        "aggregate_id": str(entry.aggregate_id),
        "occurred_at": entry.occurred_at.isoformat(),
        "actor": entry.actor,
    }
    return dumps(document)


def _entry(document: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        event_id=UUID(document["event_id"]),
        type=document["type"],
        aggregate_id=UUID(document["aggregate_id"]),
        occurred_at=datetime.fromisoformat(document["occurred_at"]),
        actor=document["actor"],
    )
