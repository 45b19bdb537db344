"""InboxRecords: housekeeping of every consumer's inbox, on SQLite, PostgreSQL, MariaDB and Redis,
and of the memory audit store's inbox, which the container's housekeeping purges alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import event, func, insert, select, update

from adapters.audit.memory import MemoryAuditStore, MemoryAuditUnitOfWork
from adapters.audit.redis import RedisAuditUnitOfWork  # [adapter:redis]
from adapters.persistence.redis.inbox import RedisInboxRecords  # [adapter:redis]
from adapters.persistence.sql.inbox import SqlInbox, SqlInboxRecords
from adapters.persistence.sql.tables import processed_events
from adapters.system.ids import Uuid7Generator
from entrypoints.container import build_container
from entrypoints.settings import MaintenanceSettings, Settings
from tests.contract.conftest import (
    STORES,
    redis_documents,  # [adapter:redis]
    sql_database,
)

ids = Uuid7Generator()


@pytest.mark.parametrize("store", [s for s in STORES if s != "memory"])
async def test_forget_removes_records_older_than_the_cutoff(store: str, tmp_path: Path) -> None:
    database = await sql_database(store, tmp_path)
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    # Event ids are UUIDv7: an event applied two days ago was made before that.
    old, old_too, late = made_at(two_days_ago), made_at(two_days_ago), made_at(two_days_ago)
    recent = ids.new_id()
    try:
        async with database.begin() as connection:
            inbox = SqlInbox(connection)
            assert await inbox.first_time("audit", old)
            assert await inbox.first_time("audit", late)  # an old event, applied only now
            assert await inbox.first_time("notifications", old_too)
            assert await inbox.first_time("notifications", recent)
            # Applied two days ago (the inbox stamps the time it applies an event).
            await connection.execute(
                update(processed_events)
                .where(processed_events.c.event_id.in_([old, old_too]))
                .values(processed_at=two_days_ago)
            )

        # Each consumer's old records (the purge walks them one consumer at a time); the late
        # one is kept, its redelivery still a no-op for the retention after it was applied.
        assert await SqlInboxRecords(database).forget(datetime.now(UTC) - timedelta(days=1)) == 2

        async with database.connect() as connection:
            left = await connection.scalars(select(processed_events.c.event_id))
            assert set(left) == {late, recent}
            assert await connection.scalar(select(func.count()).select_from(processed_events)) == 2
    finally:
        await database.dispose()


@pytest.mark.parametrize("store", [s for s in STORES if s != "memory"])
async def test_the_purge_walks_every_consumer_and_compares_ids_in_their_time_order(
    store: str, tmp_path: Path
) -> None:
    """Every consumer's records (names that sort close, in any case) are walked; an id made
    just before the cutoff's millisecond is below it whatever its random bits (the engine orders
    UUIDs by their bytes from the first: MariaDB's uuid type swaps the groups of versions 1-5
    only), one made in or after that millisecond is not; a record applied after the cutoff
    stays. Each run: one probe and one delete per consumer, however many records."""
    database = await sql_database(store, tmp_path)
    cutoff = datetime.now(UTC) - timedelta(days=1)
    millis = int(cutoff.timestamp() * 1000)
    consumers = ["Q", "a", "a-b", "a_b", "b", "z", *(f"c-{n:02}" for n in range(20))]
    rows, forgotten, kept = [], set(), set()
    for consumer in consumers:
        for made, bits, applied, goes in (
            (millis - 1, _HIGHEST, cutoff - timedelta(seconds=1), True),
            (millis - 2 * 86_400_000, _LOWEST, cutoff - timedelta(days=1), True),
            (millis - 2 * 86_400_000, _HIGHEST, datetime.now(UTC), False),  # applied late
            (millis, _LOWEST, cutoff - timedelta(milliseconds=1), False),  # the next run's
            (millis + 1, _LOWEST, datetime.now(UTC), False),
        ):
            event_id = UUID(int=(made << 80) | bits)
            rows.append({"consumer": consumer, "event_id": event_id, "processed_at": applied})
            (forgotten if goes else kept).add((consumer, event_id))
    statements: list[str] = []

    def sent(*args: object) -> None:
        statements.append(str(args[2]))

    # MariaDB's autocommit reads and writes have a pool (an engine) of their own.
    engines = {database.engine.sync_engine}
    if database.autocommit_engine.pool is not database.engine.pool:
        engines.add(database.autocommit_engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", sent)
    try:
        async with database.begin() as connection:
            await connection.execute(insert(processed_events), rows)
        statements.clear()
        records = SqlInboxRecords(database)

        assert await records.forget(cutoff) == len(forgotten)
        assert len(statements) == 2 * len(consumers) + 1  # bounded: no scan of the records
        assert await records.forget(cutoff) == 0
        async with database.connect() as connection:
            left = await connection.execute(
                select(processed_events.c.consumer, processed_events.c.event_id)
            )
            assert {(consumer, event_id) for consumer, event_id in left} == kept
        # A later cutoff forgets the rest (the late ones, the next run's, the newest).
        assert await records.forget(datetime.now(UTC) + timedelta(days=1)) == len(kept)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", sent)
        await database.dispose()


# A UUIDv7's bits after its time (version 7, RFC 9562's variant): the lowest and the highest.
_LOWEST = (0x7000 << 64) | (0x8 << 60)
_HIGHEST = (0x7FFF << 64) | (0xBFFF_FFFF_FFFF_FFFF)


def made_at(at: datetime) -> UUID:
    """A UUIDv7 made at `at` (Uuid7Generator's layout, RFC 9562)."""
    millis = int(at.timestamp() * 1000)
    return UUID(int=(millis << 80) | (ids.new_id().int & ((1 << 80) - 1)))


async def test_the_memory_inbox_is_purged_by_the_housekeeping_with_its_retention() -> None:
    container = build_container(
        Settings(persistence="memory", maintenance=MaintenanceSettings(inbox_retention=3600))
    )
    store: MemoryAuditStore = container.audit.memory_store()
    old, recent = ids.new_id(), ids.new_id()
    uow = MemoryAuditUnitOfWork(store)
    async with uow:
        assert await uow.inbox.first_time("audit", old)
        assert await uow.inbox.first_time("audit", recent)
        await uow.commit()
    store.processed["audit", old] = datetime.now(UTC) - timedelta(hours=2)  # applied long ago

    done = {chore.name: chore for chore in await container.maintenance().run()}

    assert done["inbox"].error is None
    assert done["inbox"].rows == 1
    assert list(store.processed) == [("audit", recent)]
    async with uow:  # the recent record still makes its redelivery a no-op
        assert not await uow.inbox.first_time("audit", recent)


# [adapter:redis begin]
@pytest.mark.redis
async def test_the_redis_inbox_forgets_records_older_than_the_cutoff() -> None:
    async with redis_documents() as documents:
        old, recent = ids.new_id(), ids.new_id()
        uow = RedisAuditUnitOfWork(documents)
        async with uow:
            assert await uow.inbox.first_time("audit", old)
            await uow.commit()
        # Applied two days ago (the inbox stamps the time, in ms, it applies an event).
        two_days_ago = int((datetime.now(UTC) - timedelta(days=2)).timestamp() * 1000)
        await documents.client.zadd(
            documents.key("inbox", "applied"), {f"audit:{old}": two_days_ago}
        )
        async with uow:
            assert await uow.inbox.first_time("notifications", recent)
            await uow.commit()

        forgotten = await RedisInboxRecords(documents).forget(datetime.now(UTC) - timedelta(days=1))

        assert forgotten == 1
        async with uow:
            assert await uow.inbox.first_time("audit", old)  # forgotten: would apply again
            assert not await uow.inbox.first_time("notifications", recent)


# [adapter:redis end]
