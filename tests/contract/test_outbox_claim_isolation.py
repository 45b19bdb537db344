"""MariaDB: a relay's claim runs in READ COMMITTED, so it locks the rows it claims and no gap, and
a unit of work commits new events while a relay holds a batch (in REPEATABLE READ, InnoDB's
next-key locks on the claim's scan would hold the insert up until the relay's publish ended);
the connection's own isolation level is left as it was for whoever borrows it next."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from adapters.persistence.sql.outbox import SqlOutbox
from adapters.system.ids import Uuid7Generator
from application.messaging.registry import EventRegistry, IntegrationEvents
from tests.contract.conftest import sql_database
from tests.contract.test_message_bus import event


async def test_a_held_claim_leaves_room_for_new_events(tmp_path: Path) -> None:
    database = await sql_database("mariadb", tmp_path)
    outbox = SqlOutbox(database, IntegrationEvents(EventRegistry(), Uuid7Generator()))
    try:
        async with database.engine.begin() as connection:
            await outbox.append(connection, [event(n=0)])
        async with outbox.claim(10) as batch:
            assert len(batch.events) == 1
            async with database.engine.begin() as connection:
                # A lock wait fails after a second instead of 50: the claim holds its batch.
                await connection.execute(text("SET SESSION innodb_lock_wait_timeout = 1"))
                await outbox.append(connection, [event(n=1)])
                await connection.execute(text("SET SESSION innodb_lock_wait_timeout = DEFAULT"))
            batch.sent(1)
        async with database.engine.connect() as connection:
            isolation = await connection.scalar(text("SELECT @@session.tx_isolation"))

        assert await outbox.backlog() == 1
        assert isolation == "REPEATABLE-READ"
    finally:
        await database.dispose()
