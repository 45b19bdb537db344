"""Port of the audit log: its entries (application/audit/unit_of_work.py holds them with an
inbox)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from domain.audit.entry import AuditEntry, AuditPosition
from domain.shared.tenant import Tenant


class AuditLog(ABC):
    @abstractmethod
    async def add(self, entry: AuditEntry) -> None:
        """Add the entry of `entry.event_id`. One event has one entry: if the log has it, the
        unit of work refuses it here or at the latest at its commit, keeping nothing of it
        (application's AlreadyApplied), so the entry is its event's idempotency record."""

    @abstractmethod
    async def page(
        self, tenant: Tenant, *, before: AuditPosition | None, limit: int
    ) -> list[AuditEntry]:
        """At most `limit` of `tenant`'s entries older than `before`, newest first."""
