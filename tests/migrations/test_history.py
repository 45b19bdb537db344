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
import sqlalchemy as sa
from alembic import command
from sqlalchemy import text

from adapters.audit.sql import SqlAuditUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.types import UtcDateTime
from adapters.system.ids import Uuid7Generator
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.shared.ports.event_store import NewEvent
from domain.shared.tenant import Tenant
from entrypoints.cli.db import alembic_config
from tests.migrations.test_migrations import ENGINES, fresh_url
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


@pytest.mark.parametrize("engine", ENGINES)
def test_messages_and_audit_entries_stored_before_0016_find_their_tenant(
    engine: str, tmp_path: Path
) -> None:
    # Migration 0016: an outbox row still to be sent takes the organisation its payload names
    # (catalog events carry it since 0014); others, and every audit entry, the single tenant.
    url = fresh_url(engine, tmp_path)
    config = alembic_config(url)
    command.upgrade(config, "0014")
    organisation, now = uuid4(), datetime.now(UTC)
    outbox = sa.table(
        "outbox",
        *(sa.column(name, sa.Uuid()) for name in ("event_id", "aggregate_id")),
        *(sa.column(name) for name in ("type", "version", "payload")),
        sa.column("occurred_at", UtcDateTime()),
        sa.column("sent_at", UtcDateTime()),
    )
    audit_log = sa.table(
        "audit_log",
        *(sa.column(name, sa.Uuid()) for name in ("event_id", "aggregate_id")),
        sa.column("type"),
        sa.column("occurred_at", UtcDateTime()),
    )
    of_organisation, of_none, sent, audited = uuid4(), uuid4(), uuid4(), uuid4()
    rows = [
        (of_organisation, f'{{"organisation_id": "{organisation}"}}', None),
        (of_none, '{"user_id": "u-1"}', None),
        (sent, f'{{"organisation_id": "{organisation}"}}', now),
    ]

    async def before() -> None:
        database = SqlDatabase(url, pool_size=1)
        async with database.begin() as connection:
            for event_id, payload, sent_at in rows:
                await connection.execute(
                    outbox.insert().values(
                        event_id=event_id,
                        aggregate_id=uuid4(),
                        type="catalog.ProductCreated",
                        version=1,
                        payload=payload,
                        occurred_at=now,
                        sent_at=sent_at,
                    )
                )
            await connection.execute(
                audit_log.insert().values(
                    event_id=audited, aggregate_id=uuid4(), type="catalog.X", occurred_at=now
                )
            )
        await database.dispose()

    async def after() -> tuple[dict[object, Tenant], list[object], list[object]]:
        database = SqlDatabase(url, pool_size=1)
        relay = SqlOutbox(database, IntegrationEvents(EventRegistry(), Uuid7Generator()))
        async with relay.claim(10) as batch:
            pending = {event.id: event.tenant for event in batch.events}
        async with SqlAuditUnitOfWork(database, read_only=True) as uow:
            single = await uow.entries.page(Tenant.single(), before=None, limit=10)
            other = await uow.entries.page(Tenant(organisation), before=None, limit=10)
        await database.dispose()
        return pending, [e.event_id for e in single], [e.event_id for e in other]

    asyncio.run(before())
    command.upgrade(config, "head")
    pending, single, other = asyncio.run(after())
    assert pending == {of_organisation: Tenant(organisation), of_none: Tenant.single()}
    assert (single, other) == ([audited], [])
    command.downgrade(config, "0014")
