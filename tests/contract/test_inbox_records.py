"""InboxRecords: housekeeping of every consumer's inbox, on SQLite, PostgreSQL and MariaDB
(memory units of work keep their inbox inside their own store, for the life of the process)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from adapters.persistence.sql.inbox import SqlInbox, SqlInboxRecords
from adapters.persistence.sql.tables import processed_events
from adapters.system.ids import Uuid7Generator
from tests.contract.conftest import STORES, sql_database

ids = Uuid7Generator()


@pytest.mark.parametrize("store", [s for s in STORES if s != "memory"])
async def test_forget_removes_records_older_than_the_cutoff(store: str, tmp_path: Path) -> None:
    database = await sql_database(store, tmp_path)
    old, recent = ids.new_id(), ids.new_id()
    try:
        async with database.begin() as connection:
            inbox = SqlInbox(connection)
            assert await inbox.first_time("audit", old)
            assert await inbox.first_time("notifications", recent)
            # Applied two days ago (the inbox stamps the time it applies an event).
            await connection.execute(
                update(processed_events)
                .where(processed_events.c.event_id == old)
                .values(processed_at=datetime.now(UTC) - timedelta(days=2))
            )

        assert await SqlInboxRecords(database).forget(datetime.now(UTC) - timedelta(days=1)) == 1

        async with database.connect() as connection:
            left = await connection.scalars(select(processed_events.c.event_id))
            assert list(left) == [recent]
            assert await connection.scalar(select(func.count()).select_from(processed_events)) == 1
    finally:
        await database.dispose()
