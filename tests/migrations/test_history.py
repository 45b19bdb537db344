"""The template's own migration history, revision by revision: data a deployment stored under an
older revision, carried over by a later one.

Template-only (tools/make_it_yours.py TEMPLATE_ONLY): a generated project starts from one
squashed revision (tools/adapters.py squash_migrations), with nothing stored before it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from alembic import command
from sqlalchemy import text

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from application.shared.ports.event_store import NewEvent
from entrypoints.cli.db import alembic_config
from tests.migrations.test_migrations import fresh_url
from tests.support.databases import scalar


@pytest.mark.postgres
def test_events_stored_before_0013_keep_their_order_and_new_ones_follow(tmp_path: Path) -> None:
    # Migration 0013 gives stored events transaction_id 0 and starts the position sequence after
    # the head, so a projection resumes where it was; its downgrade puts the head back.
    url = fresh_url("postgresql", tmp_path)
    config = alembic_config(url)
    command.upgrade(config, "0012")
    old = (
        "INSERT INTO event_store_events (position, stream_id, version, event_id, type,"
        " schema_version, payload, occurred_at)"
        " VALUES (:position, 's', :version, gen_random_uuid(), 'Old', 1, '{}', now())"
    )

    async def before() -> None:
        database = SqlDatabase(url, pool_size=1)
        async with database.begin() as connection:
            for n in (1, 2, 3):
                await connection.execute(text(old), {"position": n, "version": n})
            await connection.execute(text("UPDATE event_store_head SET position = 3"))
        await database.dispose()

    async def after() -> list[tuple[str, int, int]]:
        database = SqlDatabase(url, pool_size=1)
        store = SqlEventStore(database)
        await store.append("s", 3, [_event()])
        await store.append("t", 0, [_event()])
        read = [(e.stream_id, e.version, e.position) for e in await store.read_all(2)]
        await database.dispose()
        return read

    asyncio.run(before())
    command.upgrade(config, "head")
    assert asyncio.run(after()) == [("s", 3, 3), ("s", 4, 4), ("t", 1, 5)]
    command.downgrade(config, "0012")
    assert scalar(url, "SELECT position FROM event_store_head") == 5


def _event() -> NewEvent:
    return NewEvent(
        event_id=uuid4(), type="New", schema_version=1, payload={}, occurred_at=datetime.now(UTC)
    )
