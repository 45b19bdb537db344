"""AuditEntry: one recorded change, as the audit log keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """`tenant`: the organisation whose change it records; only it lists the entry."""

    tenant: Tenant
    event_id: UUID
    type: str
    aggregate_id: UUID
    occurred_at: datetime
    actor: str | None


@dataclass(frozen=True, slots=True)
class AuditPosition:
    """Where a page ends: entries are listed newest first, by (occurred_at, event_id)."""

    occurred_at: datetime
    event_id: UUID
