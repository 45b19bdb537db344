"""AuditController: GET /api/v1/audit, the audit log of catalog changes, newest first.

Admin-only: it needs audit:read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter

from application.audit.list_entries import ListAuditEntries, ListAuditEntriesHandler
from application.shared.pagination import MAX_PAGE_SIZE
from domain.identity.roles import Permission
from entrypoints.http.schemas import Cursor
from entrypoints.http.security.guards import requires


class AuditEntryOut(msgspec.Struct):
    event_id: UUID
    type: str
    aggregate_id: UUID
    occurred_at: datetime
    actor: str | None


class AuditPageOut(msgspec.Struct):
    items: list[AuditEntryOut]
    next_cursor: str | None


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    guards = [requires(Permission.AUDIT_READ)]

    @get(operation_id="listAuditEntries", summary="List audit entries")
    async def list(
        self,
        list_audit_entries: NamedDependency[ListAuditEntriesHandler],
        limit: FromQuery[Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)]] = 50,
        cursor: FromQuery[Cursor] = None,
    ) -> AuditPageOut:
        """Recorded catalog changes, newest first; pass `next_cursor` back as `cursor`."""
        page = await list_audit_entries(ListAuditEntries(limit=limit, cursor=cursor))
        return AuditPageOut(
            [
                AuditEntryOut(e.event_id, e.type, e.aggregate_id, e.occurred_at, e.actor)
                for e in page.items
            ],
            page.next_cursor,
        )
