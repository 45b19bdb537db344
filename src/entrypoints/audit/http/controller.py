"""AuditController: GET /api/v1/audit, an organisation's audit log of catalog changes, newest
first.

It needs audit:read (admins); with tenancy on, also membership of the organisation that
X-Organisation-Id names (the `tenant` dependency), whose entries alone it lists.
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
from domain.shared.tenant import Tenant
from entrypoints.http.schemas import Cursor
from entrypoints.http.security.permissions import requires


class AuditEntryOut(msgspec.Struct):
    organisation_id: UUID
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
    opt = requires(Permission.AUDIT_READ)

    @get(operation_id="listAuditEntries", summary="List audit entries")
    async def list(
        self,
        list_audit_entries: NamedDependency[ListAuditEntriesHandler],
        tenant: NamedDependency[Tenant],
        limit: FromQuery[Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)]] = 50,
        cursor: FromQuery[Cursor] = None,
    ) -> AuditPageOut:
        """The organisation's recorded catalog changes, newest first; pass `next_cursor` back
        as `cursor`."""
        page = await list_audit_entries(ListAuditEntries(tenant=tenant, limit=limit, cursor=cursor))
        return AuditPageOut(
            [
                AuditEntryOut(
                    e.tenant.organisation_id,
                    e.event_id,
                    e.type,
                    e.aggregate_id,
                    e.occurred_at,
                    e.actor,
                )
                for e in page.items
            ],
            page.next_cursor,
        )
