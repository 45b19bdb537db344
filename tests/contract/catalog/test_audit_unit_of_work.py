"""ONE contract for the audit log and the consumers' inbox, on every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.audit.sql import SqlAuditUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.system.ids import Uuid7Generator
from application.audit.record_change import RecordChange
from application.shared.ports.inbox import AlreadyApplied
from application.shared.ports.messaging import IntegrationEvent
from domain.audit.entry import AuditEntry, AuditPosition
from domain.shared.tenant import Tenant
from tests.contract.catalog.conftest import MessagingStore
from tests.contract.conftest import sql_database

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


async def test_a_recorded_event_is_applied_once_per_consumer(
    messaging_store: MessagingStore,
) -> None:
    """`record` refuses an event applied before, at the latest at the commit (PostgreSQL sends
    the record with the entry as one statement), and keeps nothing of that unit of work."""
    event_id = ids.new_id()
    async with messaging_store.audit() as uow:
        await uow.inbox.record("audit", event_id)
        await uow.entries.add(entry(0))
        await uow.commit()

    with pytest.raises(AlreadyApplied):
        async with messaging_store.audit() as uow:
            await uow.inbox.record("audit", event_id)
            await uow.entries.add(entry(1))
            await uow.commit()
    async with messaging_store.audit() as uow:
        await uow.inbox.record("mailer", event_id)
        await uow.commit()

    async with messaging_store.audit(read_only=True) as uow:
        assert [e.occurred_at for e in await uow.entries.page(SINGLE, before=None, limit=10)] == [
            T0
        ]
    async with messaging_store.audit() as uow:
        assert not await uow.inbox.first_time("mailer", event_id)


async def test_the_audit_consumer_applies_a_redelivered_event_once(
    messaging_store: MessagingStore,
) -> None:
    """One after the other, then a twin delivered at the same time as the first: one entry."""
    consumer = RecordChange(messaging_store.audit)
    again, twins = event(), event()
    assert await consumer(again) is True
    assert await consumer(again) is False
    assert sorted(await asyncio.gather(consumer(twins), consumer(twins))) == [False, True]

    async with messaging_store.audit(read_only=True) as uow:
        listed = await uow.entries.page(SINGLE, before=None, limit=10)
    assert sorted(e.event_id for e in listed) == sorted([again.id, twins.id])


async def test_an_event_has_one_entry_its_second_is_refused_whole(
    messaging_store: MessagingStore,
) -> None:
    """The entry is its event's record (the audit consumer writes no inbox record): a unit of
    work adding an entry of an event the log has is refused, at the latest at the commit, and
    keeps none of its entries. Fails if the log takes a second entry of an event (a redelivery
    would be logged twice) or keeps the new one beside the refused one."""
    first, new = entry(0), entry(1)
    async with messaging_store.audit() as uow:
        await uow.entries.add(first)
        await uow.commit()

    with pytest.raises(AlreadyApplied):
        async with messaging_store.audit() as uow:
            await uow.entries.add(new)
            await uow.entries.add(first)  # redelivered: the same event id, tenant and time
            await uow.commit()

    async with messaging_store.audit(read_only=True) as uow:
        assert await uow.entries.page(SINGLE, before=None, limit=10) == [first]


def event() -> IntegrationEvent:
    return IntegrationEvent(
        id=ids.new_id(),
        type="catalog.ProductCreated",
        version=1,
        occurred_at=T0,
        aggregate_id=ids.new_id(),
        payload={},
        actor="ada",
    )


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


# [adapter:postgresql begin]
@pytest.mark.postgres
async def test_a_twin_delivery_waits_for_the_first_and_applies_nothing(tmp_path: Path) -> None:
    """PostgreSQL's inbox records in one statement (INSERT ... ON CONFLICT DO NOTHING): a twin
    that arrives while the first delivery's transaction is open waits on the key, then finds
    the record (False) once the first commits; the effect is applied once."""
    database = await sql_database("postgresql", tmp_path)
    try:
        event_id = ids.new_id()
        async with SqlAuditUnitOfWork(database) as first:
            assert await first.inbox.first_time("audit", event_id)
            await first.entries.add(entry(0))

            async def twin() -> bool:
                async with SqlAuditUnitOfWork(database) as uow:
                    if not await uow.inbox.first_time("audit", event_id):
                        return False
                    await uow.entries.add(entry(1))
                    await uow.commit()
                    return True

            second = asyncio.create_task(twin())
            await _until_a_session_waits_on_a_lock(database)  # the twin, on the key
            await first.commit()
        assert await second is False
        async with SqlAuditUnitOfWork(database, read_only=True) as uow:
            assert len(await uow.entries.page(SINGLE, before=None, limit=10)) == 1
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_a_twin_entry_waits_for_the_first_and_is_refused(tmp_path: Path) -> None:
    """The audit consumer's record is its entry's key: a twin delivery whose entry arrives
    while the first's transaction holds the same entry waits on the key, then is refused
    (False) once the first commits. Fails if the twin logs the event a second time."""
    database = await sql_database("postgresql", tmp_path)
    try:
        twin = event()
        first_entry = AuditEntry(
            tenant=twin.tenant,
            event_id=twin.id,
            type=twin.type,
            aggregate_id=twin.aggregate_id,
            occurred_at=twin.occurred_at,
            actor=twin.actor,
        )
        consumer = RecordChange(lambda read_only=False: SqlAuditUnitOfWork(database))
        async with SqlAuditUnitOfWork(database) as first:
            await first.entries.add(first_entry)
            await first.entries.page(SINGLE, before=None, limit=1)  # sends it: a transaction
            second = asyncio.create_task(consumer(twin))
            # The twin, on the key (60 s guards against a hang, not a speed: without the key
            # the twin never waits, and the test fails here).
            await asyncio.wait_for(_until_a_session_waits_on_a_lock(database), 60)
            await first.commit()
        assert await second is False
        async with SqlAuditUnitOfWork(database, read_only=True) as uow:
            assert await uow.entries.page(SINGLE, before=None, limit=10) == [first_entry]
    finally:
        await database.dispose()


async def _until_a_session_waits_on_a_lock(database: SqlDatabase) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    async with database.connect() as probe:
        while not await probe.scalar(waiting):
            await asyncio.sleep(0.01)


@pytest.mark.postgres
async def test_a_twin_delivery_applies_the_effect_when_the_first_rolled_back(
    tmp_path: Path,
) -> None:
    database = await sql_database("postgresql", tmp_path)
    try:
        event_id = ids.new_id()
        with pytest.raises(RuntimeError):
            async with SqlAuditUnitOfWork(database) as first:
                assert await first.inbox.first_time("audit", event_id)
                raise RuntimeError("the effect failed")
        async with SqlAuditUnitOfWork(database) as uow:
            assert await uow.inbox.first_time("audit", event_id)
            await uow.commit()
        async with SqlAuditUnitOfWork(database) as uow:
            assert not await uow.inbox.first_time("audit", event_id)
    finally:
        await database.dispose()


# [adapter:postgresql end]
