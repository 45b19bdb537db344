"""Housekeeping keeps the tables bounded: 50,000 events flow through the outbox and the inbox on
PostgreSQL, with claims of Idempotency-Keys beside them, and the chores the container wires
(settings, stores and lease as `portico worker` builds them) forget what outlived its retention.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dependency_injector import providers
from sqlalchemy import func, insert, select

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.tables import idempotency_keys, outbox, processed_events
from adapters.system.ids import Uuid7Generator
from application.shared.ports.messaging import IntegrationEvent
from entrypoints.container import build_container, close_container
from entrypoints.settings import DatabaseSettings, MaintenanceSettings, Settings
from tests.contract.conftest import sql_database
from tests.support.clock import FixedClock

pytestmark = pytest.mark.postgres
ROUNDS, PER_ROUND = 50, 1000
ids = Uuid7Generator()


async def test_tables_stay_bounded_over_50000_events(tmp_path: Path) -> None:
    database = await sql_database("postgresql", tmp_path)  # every table, empty
    await database.dispose()
    settings = Settings(
        database=DatabaseSettings(
            url=database.engine.url.render_as_string(hide_password=False), pool_size=4
        ),
        maintenance=MaintenanceSettings(
            outbox_retention=0, inbox_retention=2 * 3600, idempotency_retention=3600
        ),
    )
    container = build_container(settings)
    clock = FixedClock(datetime.now(UTC))
    container.platform.clock.override(providers.Object(clock))
    store, db = container.platform.outbox(), container.platform.sql_database()
    maintenance = container.maintenance()
    published = 0
    try:
        for round_ in range(ROUNDS):
            events = [_event(clock.now()) for _ in range(PER_ROUND)]
            async with db.begin() as connection:
                await store.append(connection, events)
                await connection.execute(
                    insert(processed_events),
                    [
                        {"consumer": "audit", "event_id": e.id, "processed_at": clock.now()}
                        for e in events
                    ],
                )
                await connection.execute(
                    insert(idempotency_keys),
                    [
                        {
                            "scope": "place",
                            "key": f"{round_}-{i}",
                            "fingerprint": "f",
                            "response": "{}",
                            "created_at": clock.now(),
                        }
                        for i in range(50)
                    ],
                )
            async with store.claim(PER_ROUND) as batch:  # the relay publishes them all
                batch.sent(len(batch.events))
                published += len(batch.events)
            clock.advance(timedelta(hours=1))

            done = {chore.name: chore for chore in await maintenance.run()}

            assert all(chore.error is None for chore in done.values()), done
            sizes = await _sizes(db)
            assert sizes["outbox"] == 0  # every published row, retention 0
            assert done["outbox"].rows == 0  # retention 0: the relay deleted what it sent
            assert sizes["inbox"] <= 2 * PER_ROUND  # the rounds of the last two hours
            assert sizes["idempotency_keys"] <= 50
        assert published == ROUNDS * PER_ROUND
    finally:
        await close_container(container)


async def test_each_claim_of_the_relay_is_planned_for_its_call(tmp_path: Path) -> None:
    """A generic plan (PostgreSQL's choice for a prepared statement from its sixth call) checked
    each claimed row against every index entry of a pending row, the dead ones included: the
    test above took minutes instead of seconds. One pooled connection: each claim prepares there."""
    database = await sql_database("postgresql", tmp_path)
    await database.dispose()
    url = database.engine.url.render_as_string(hide_password=False)
    container = build_container(Settings(database=DatabaseSettings(url=url, pool_size=1)))
    store, db = container.platform.outbox(), container.platform.sql_database()
    claims = 8
    try:
        for _ in range(claims):
            async with db.begin() as connection:
                await store.append(connection, [_event(datetime.now(UTC)) for _ in range(3)])
            async with store.claim(100) as batch:
                batch.sent(len(batch.events))
        async with db.connect() as connection:
            plans = await connection.exec_driver_sql(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE 'WITH claimed%'"
            )
            assert plans.all() == [(0, claims)]
    finally:
        await close_container(container)


def _event(at: datetime) -> IntegrationEvent:
    return IntegrationEvent(
        id=ids.new_id(),
        type="catalog.ProductCreated",
        version=1,
        occurred_at=at,
        aggregate_id=ids.new_id(),
        payload={"n": 1},
    )


async def _sizes(db: SqlDatabase) -> dict[str, int]:
    found = {}
    async with db.connect() as connection:
        for name, table in (
            ("outbox", outbox),
            ("inbox", processed_events),
            ("idempotency_keys", idempotency_keys),
        ):
            found[name] = int(await connection.scalar(select(func.count()).select_from(table)) or 0)
    return found
