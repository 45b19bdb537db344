"""PostgreSQL row-level security on the audit log (docs/tenancy.md, issue 17 item 3), as the role
that owns the tables (FORCE binds it; no superuser): the audit consumer writes each entry in its
event's tenant and the listing answers each tenant its own, with row security on and off; with
it on, a statement that entered no tenant sees no entry and deletes none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import text

from adapters.audit.sql import SqlAuditUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.system.ids import Uuid7Generator
from application.audit.list_entries import ListAuditEntries, ListAuditEntriesHandler
from application.audit.record_change import RecordChange
from application.audit.unit_of_work import AuditUnitOfWork
from application.shared.ports.messaging import IntegrationEvent
from domain.shared.tenant import Tenant
from tests.support.row_security import as_owner, guarded_url

pytestmark = pytest.mark.postgres

ids = Uuid7Generator()
A = Tenant(UUID("0a000000-0000-4000-8000-00000000000a"))
B = Tenant(UUID("0b000000-0000-4000-8000-00000000000b"))


def _audit(database: SqlDatabase) -> Callable[..., AuditUnitOfWork]:
    def uow(*, read_only: bool = False) -> AuditUnitOfWork:
        return SqlAuditUnitOfWork(database, read_only=read_only)

    return uow


def _event(tenant: Tenant, seconds: int) -> IntegrationEvent:
    return IntegrationEvent(
        id=ids.new_id(),
        type="catalog.ProductCreated",
        version=1,
        occurred_at=datetime(2026, 5, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=seconds),
        aggregate_id=ids.new_id(),
        payload={"organisation_id": str(tenant.organisation_id)},
        tenant=tenant,
    )


@pytest.mark.parametrize("row_security", [True, False])
async def test_the_audit_consumer_writes_each_entry_in_its_events_tenant(
    row_security: bool,
) -> None:
    database = as_owner(SqlDatabase(await guarded_url(), pool_size=2, row_security=row_security))
    try:
        audit = _audit(database)
        record = RecordChange(audit)
        of_a, of_b = [_event(A, 1), _event(A, 2)], [_event(B, 3)]
        for event in (of_a[0], of_b[0], of_a[1]):
            assert await record(event)
        assert not await record(of_a[0])  # the inbox: once

        listing = ListAuditEntriesHandler(audit)
        seen = {t: (await listing(ListAuditEntries(tenant=t))).items for t in (A, B)}
        assert {entry.event_id for entry in seen[A]} == {e.id for e in of_a}
        assert {entry.event_id for entry in seen[B]} == {e.id for e in of_b}
        assert (await listing(ListAuditEntries(tenant=Tenant.single()))).items == []
        async with database.connect() as connection:  # a statement that entered no tenant
            unentered = await connection.scalar(text("SELECT count(*) FROM audit_log"))
        assert unentered == (0 if row_security else 3)  # off: sessions in every tenant
        if row_security:
            async with database.connect() as connection:
                deleted = await connection.execute(text("DELETE FROM audit_log"))
            assert deleted.rowcount == 0
            async with database.begin() as connection:  # the control: every tenant, said so
                await connection.execute(text("SET LOCAL portico.tenant = '*'"))
                assert await connection.scalar(text("SELECT count(*) FROM audit_log")) == 3
    finally:
        await database.dispose()
