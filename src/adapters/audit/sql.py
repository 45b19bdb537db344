"""SqlAuditUnitOfWork: audit entries (each its event's record: the primary key) and the consumers'
inbox in one SQL transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import RowMapping, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.audit.tables import audit_log
from adapters.persistence.sql.inbox import SqlInbox
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from application.audit.unit_of_work import AuditUnitOfWork
from application.shared.ports.inbox import AlreadyApplied
from domain.audit.entry import AuditEntry, AuditPosition
from domain.audit.repository import AuditLog
from domain.shared.tenant import Tenant


class SqlAuditLog(AuditLog):
    """Each statement first enters its tenant (`enter`, the unit of work's: row security): the
    entry's, written by the consumer for that event; the listing's, for its tenant."""

    def __init__(
        self,
        connection: AsyncConnection,
        uow: SqlUnitOfWork,
        enter: Callable[[Tenant], Awaitable[None]],
    ) -> None:
        self._conn = connection
        self._uow = uow
        self._enter = enter

    async def add(self, entry: AuditEntry) -> None:
        await self._enter(entry.tenant)
        row = {
            "event_id": entry.event_id,
            "type": entry.type,
            "aggregate_id": entry.aggregate_id,
            "occurred_at": entry.occurred_at,
            "actor": entry.actor,
            "organisation_id": entry.tenant.organisation_id,
        }
        # Sent now, or at the commit with the batch's other entries (defers_inserts, PostgreSQL):
        # an entry already there (or a twin's, once it commits: the insert waits on the key)
        # refuses it, and the whole statement with it (AlreadyApplied).
        await self._uow.insert(audit_log, row, _applied_already)

    async def page(
        self, tenant: Tenant, *, before: AuditPosition | None, limit: int
    ) -> list[AuditEntry]:
        await self._uow.flush()  # an entry added in this unit of work is listed
        await self._enter(tenant)
        c = audit_log.c
        query = (
            select(audit_log)
            .where(c.organisation_id == tenant.organisation_id)
            .order_by(c.occurred_at.desc(), c.event_id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(
                or_(
                    c.occurred_at < before.occurred_at,
                    and_(c.occurred_at == before.occurred_at, c.event_id < before.event_id),
                )
            )
        result = await self._conn.execute(query)
        return [_entry(row) for row in result.mappings()]


class SqlAuditUnitOfWork(SqlUnitOfWork, AuditUnitOfWork):
    # PostgreSQL without row security: a batch's entries are one autocommitted statement, not
    # BEGIN, the inserts and COMMIT.
    defers_inserts = True

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.entries = SqlAuditLog(connection, self, self.enter)
        self.inbox = SqlInbox(connection, self)


def _applied_already(error: IntegrityError) -> AlreadyApplied | None:
    """The entries' primary key refused one (its name on PostgreSQL, MariaDB's `PRIMARY`, its
    columns on SQLite): that event's entry is there already."""
    message = str(error.orig)
    if any(mark in message for mark in ("pk_audit_log", "'PRIMARY'", "audit_log.event_id")):
        return AlreadyApplied(message)
    return None


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        tenant=Tenant(row["organisation_id"]),
        event_id=row["event_id"],
        type=row["type"],
        aggregate_id=row["aggregate_id"],
        occurred_at=row["occurred_at"],
        actor=row["actor"],
    )
