"""RedisAuditUnitOfWork: audit entries and the consumer inbox committed by one Lua script.

Keys under `<prefix>:audit:` for the single tenant (the keys from before tenancy, so an existing
store needs no migration), `<prefix>:audit:<organisation>:` for the others: `entry` (hash
event id -> JSON) and `order` (members sorting as (occurred_at, event_id),
adapters/persistence/redis/ordered.py), read newest first. A tenant reads its own keys only.
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
from application.shared.ports.inbox import AlreadyApplied
from domain.audit.entry import AuditEntry, AuditPosition
from domain.audit.repository import AuditLog
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant


def _space(documents: RedisDocuments, tenant: Tenant, part: str) -> str:
    if tenant.is_single:
        return documents.key("audit", part)
    return documents.key("audit", str(tenant.organisation_id), part)


class RedisAuditLog(AuditLog):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self.staged: list[AuditEntry] = []

    async def add(self, entry: AuditEntry) -> None:
        self.staged.append(entry)

    async def page(
        self, tenant: Tenant, *, before: AuditPosition | None, limit: int
    ) -> list[AuditEntry]:
        top = "+" if before is None else f"({member(before.occurred_at, before.event_id)}"
        client, documents = self._documents.client, self._documents
        order, entries = _space(documents, tenant, "order"), _space(documents, tenant, "entry")
        async with self._documents.reachable():
            found = await client.zrevrangebylex(order, top, "-", start=0, num=limit)
            ids = [str(member_id(value)) for value in found]
            raw = await client.hmget(entries, ids) if ids else []
        return [_entry(tenant, loads(item)) for item in raw if item is not None]

    def stage(self, writes: WriteSet) -> None:
        documents = self._documents
        for entry in self.staged:
            entries = _space(documents, entry.tenant, "entry")
            # One entry an event: the commit is refused if the event has one (AlreadyApplied).
            writes.first(entries, str(entry.event_id), _json(entry))
            order = _space(documents, entry.tenant, "order")
            writes.index(order, member(entry.occurred_at, entry.event_id))


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
            # Its only checks: the inbox's new records and the entries' new events.
            raise AlreadyApplied("an event of this unit of work was applied already") from None
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


def _entry(tenant: Tenant, document: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        tenant=tenant,
        event_id=UUID(document["event_id"]),
        type=document["type"],
        aggregate_id=UUID(document["aggregate_id"]),
        occurred_at=datetime.fromisoformat(document["occurred_at"]),
        actor=document["actor"],
    )
