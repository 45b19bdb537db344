"""ListAuditEntries: one tenant's audit log, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from application.audit.ports import AuditUnitOfWorkFactory
from application.shared.pagination import Page, check_limit, decode_cursor, encode_cursor
from domain.audit.entry import AuditEntry, AuditPosition
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class ListAuditEntries:
    tenant: Tenant
    limit: int = 50
    cursor: str | None = None


class ListAuditEntriesHandler:
    def __init__(self, uow: AuditUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListAuditEntries) -> Page[AuditEntry]:
        limit = check_limit(query.limit)
        before = AuditPosition(*decode_cursor(query.cursor)) if query.cursor else None
        async with self._uow(read_only=True) as uow:
            entries = await uow.entries.page(query.tenant, before=before, limit=limit + 1)
        items = entries[:limit]
        next_cursor = None
        if len(entries) > limit:
            next_cursor = encode_cursor(items[-1].occurred_at, items[-1].event_id)
        return Page(items, next_cursor)
