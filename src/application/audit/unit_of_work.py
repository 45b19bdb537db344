"""AuditUnitOfWork: the audit log's entries and the consumer's inbox, in one transaction."""

from __future__ import annotations

from application.shared.ports.inbox import Inbox
from domain.audit.repository import AuditLog
from domain.shared.unit_of_work import UnitOfWork


class AuditUnitOfWork(UnitOfWork):
    entries: AuditLog
    # The consumers' inbox in the audit's store. RecordChange writes no record there: each
    # entry is its event's record (AuditLog.add refuses a second one).
    inbox: Inbox
