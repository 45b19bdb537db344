"""ONE contract for the audit log and the consumers' inbox, on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.system.ids import Uuid7Generator
from domain.audit.entry import AuditEntry, AuditPosition
from domain.shared.tenant import Tenant
from tests.contract.catalog.conftest import MessagingStore

T0 = datetime(2026, 4, 1, 9, 0, 0, 500000, tzinfo=UTC)
ids = Uuid7Generator()
SINGLE = Tenant.single()


def entry(seconds: int, actor: str | None = None, tenant: Tenant = SINGLE) -> AuditEntry:
    return AuditEntry(
        tenant=tenant,
        event_id=ids.new_id(),
        type="catalog.ProductCreated",
        aggregate_id=ids.new_id(),
        occurred_at=T0 + timedelta(seconds=seconds),
        actor=actor,
    )


async def test_the_inbox_remembers_a_committed_event_per_consumer(
    messaging_store: MessagingStore,
) -> None:
    event_id = ids.new_id()
    async with messaging_store.audit() as uow:
        assert await uow.inbox.first_time("audit", event_id)
        await uow.commit()

    async with messaging_store.audit() as uow:
        assert not await uow.inbox.first_time("audit", event_id)
        assert await uow.inbox.first_time("mailer", event_id)


async def test_a_rolled_back_inbox_record_is_forgotten(messaging_store: MessagingStore) -> None:
    event_id = ids.new_id()
    with pytest.raises(RuntimeError):
        async with messaging_store.audit() as uow:
            assert await uow.inbox.first_time("audit", event_id)
            await uow.entries.add(entry(1))
            raise RuntimeError("the effect failed")

    async with messaging_store.audit() as uow:
        assert await uow.inbox.first_time("audit", event_id)
        assert await uow.entries.page(SINGLE, before=None, limit=10) == []


async def test_audit_entries_page_newest_first(messaging_store: MessagingStore) -> None:
    made = [entry(2, actor="ada"), entry(0), entry(1), entry(3)]
    async with messaging_store.audit() as uow:
        for item in made:
            await uow.entries.add(item)
        await uow.commit()

    async with messaging_store.audit(read_only=True) as uow:
        first = await uow.entries.page(SINGLE, before=None, limit=2)
        last = first[-1]
        rest = await uow.entries.page(
            SINGLE, before=AuditPosition(last.occurred_at, last.event_id), limit=10
        )

    newest_first = sorted(made, key=lambda e: e.occurred_at, reverse=True)
    assert first + rest == newest_first
    assert first[0].actor is None
    assert first[1].actor == "ada"
