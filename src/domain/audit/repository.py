"""Ports of the audit log: its entries and the unit of work that holds them with an inbox."""

from __future__ import annotations

from abc import ABC, abstractmethod

from domain.audit.entry import AuditEntry, AuditPosition
from domain.shared.inbox import Inbox
from domain.shared.unit_of_work import UnitOfWork


class AuditLog(ABC):
    @abstractmethod
    async def add(self, entry: AuditEntry) -> None: ...

    @abstractmethod
    async def page(self, *, before: AuditPosition | None, limit: int) -> list[AuditEntry]:
        """At most `limit` entries older than `before`, newest first."""


class AuditUnitOfWork(UnitOfWork):
    entries: AuditLog
    inbox: Inbox
