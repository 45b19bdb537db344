"""DeliveryLog: what a consumer with an outside effect carried out, on every store; its records
are inbox records, so the inbox's housekeeping forgets them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url  # [adapter:postgresql]

from adapters.persistence.memory.delivery_log import MemoryDeliveryLog
from adapters.persistence.redis.delivery_log import RedisDeliveryLog  # [adapter:redis]
from adapters.persistence.redis.inbox import RedisInboxRecords  # [adapter:redis]
from adapters.persistence.sql.database import SqlDatabase  # [adapter:postgresql]
from adapters.persistence.sql.delivery_log import SqlDeliveryLog
from adapters.persistence.sql.inbox import SqlInboxRecords
from adapters.persistence.sql.schema import metadata  # [adapter:postgresql]
from adapters.system.ids import Uuid7Generator
from application.shared.ports.inbox import DeliveryLog, InboxRecords
from entrypoints.container import build_container
from entrypoints.settings import MaintenanceSettings, Settings
from tests.contract.conftest import (
    DOCUMENT_STORES,
    redis_documents,  # [adapter:redis]
    sql_database,
)
from tests.support.databases import recreate_database  # [adapter:postgresql]
from tests.support.servers import require_sql_server  # [adapter:postgresql]

ids = Uuid7Generator()


@pytest.fixture(params=DOCUMENT_STORES)
async def log(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[DeliveryLog, InboxRecords]]:
    store = request.param
    if store == "memory":
        memory = MemoryDeliveryLog()
        yield memory, memory
    # [adapter:redis begin]
    elif store == "redis":
        async with redis_documents() as documents:
            yield RedisDeliveryLog(documents), RedisInboxRecords(documents)
    # [adapter:redis end]
    else:
        database = await sql_database(store, tmp_path)
        try:
            yield SqlDeliveryLog(database), SqlInboxRecords(database)
        finally:
            await database.dispose()


async def test_a_recorded_event_is_carried_out_for_its_consumer_only(
    log: tuple[DeliveryLog, InboxRecords],
) -> None:
    deliveries, _ = log
    event = ids.new_id()
    assert not await deliveries.carried_out("notifications", event)
    await deliveries.record("notifications", event)
    assert await deliveries.carried_out("notifications", event)
    assert not await deliveries.carried_out("account-mail", event)
    assert not await deliveries.carried_out("notifications", ids.new_id())


async def test_recording_twice_even_at_once_is_harmless(
    log: tuple[DeliveryLog, InboxRecords],
) -> None:
    deliveries, _ = log
    event = ids.new_id()
    await asyncio.gather(*(deliveries.record("notifications", event) for _ in range(3)))
    await deliveries.record("notifications", event)
    assert await deliveries.carried_out("notifications", event)


async def test_a_batch_is_asked_about_and_recorded_at_once(
    log: tuple[DeliveryLog, InboxRecords],
) -> None:
    deliveries, records = log
    first, second, third = ids.new_id(), ids.new_id(), ids.new_id()
    assert await deliveries.carried_out_among("notifications", []) == set()
    await deliveries.record_all("notifications", [])
    await deliveries.record("notifications", first)
    assert await deliveries.carried_out_among("notifications", [first, second, third]) == {first}

    await deliveries.record_all("notifications", [second, third])

    assert await deliveries.carried_out_among("notifications", [first, second, third]) == {
        first,
        second,
        third,
    }
    assert await deliveries.carried_out("notifications", third)
    assert await deliveries.carried_out_among("account-mail", [first, second]) == set()
    # Inbox records like the others: the housekeeping forgets them.
    assert await records.forget(datetime.now(UTC) + timedelta(seconds=1)) >= 3
    assert await deliveries.carried_out_among("notifications", [second, third]) == set()


async def test_a_batch_with_some_recorded_already_even_at_once_records_the_rest(
    log: tuple[DeliveryLog, InboxRecords],
) -> None:
    deliveries, _ = log
    there, new, twin = ids.new_id(), ids.new_id(), ids.new_id()
    await deliveries.record("notifications", there)
    await asyncio.gather(
        deliveries.record_all("notifications", [there, new, twin]),
        deliveries.record_all("notifications", [twin]),
    )
    assert await deliveries.carried_out_among("notifications", [there, new, twin]) == {
        there,
        new,
        twin,
    }


async def test_the_inbox_housekeeping_forgets_old_records(
    log: tuple[DeliveryLog, InboxRecords],
) -> None:
    deliveries, records = log
    event = ids.new_id()
    await deliveries.record("notifications", event)
    assert await records.forget(datetime.now(UTC) - timedelta(hours=1)) == 0
    assert await deliveries.carried_out("notifications", event)
    assert await records.forget(datetime.now(UTC) + timedelta(seconds=1)) >= 1
    assert not await deliveries.carried_out("notifications", event)


async def test_the_memory_log_is_purged_by_the_housekeeping_with_the_inbox_retention() -> None:
    container = build_container(
        Settings(persistence="memory", maintenance=MaintenanceSettings(inbox_retention=3600))
    )
    deliveries = container.platform.delivery_log()
    assert isinstance(deliveries, MemoryDeliveryLog)
    old, recent = ids.new_id(), ids.new_id()
    await deliveries.record("notifications", old)
    await deliveries.record("notifications", recent)
    deliveries.records["notifications", old] = datetime.now(UTC) - timedelta(hours=2)

    done = {chore.name: chore for chore in await container.maintenance().run()}

    assert (done["delivery_log"].error, done["delivery_log"].rows) == (None, 1)
    assert not await deliveries.carried_out("notifications", old)
    assert await deliveries.carried_out("notifications", recent)


# [adapter:postgresql begin]
@pytest.mark.postgres
async def test_the_sql_log_asks_the_primary_even_beside_a_replica() -> None:
    """A replica that lags (here one that never catches up: another database) must not answer:
    the next delivery of a sent event would send it again."""
    primary = make_url(require_sql_server("postgresql"))
    lagging = primary.set(database=f"{primary.database}_lagging")
    await recreate_database(lagging.render_as_string(hide_password=False))
    url = primary.render_as_string(hide_password=False)
    database = SqlDatabase(url, read_url=lagging.render_as_string(hide_password=False))
    try:
        for each in (database, database.replica):
            assert each is not None
            async with each.engine.begin() as connection:
                await connection.run_sync(metadata.create_all)
        deliveries, event = SqlDeliveryLog(database), ids.new_id()
        await deliveries.record("notifications", event)
        assert await deliveries.carried_out("notifications", event)
    finally:
        await database.dispose()


# [adapter:postgresql end]
