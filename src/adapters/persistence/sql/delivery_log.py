"""SqlDeliveryLog: the inbox table, written after an effect outside the database."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.inbox import SqlInbox
from adapters.persistence.sql.tables import processed_events
from application.shared.ports.inbox import DeliveryLog


class SqlDeliveryLog(DeliveryLog):
    """Its rows are inbox rows, so the inbox's housekeeping forgets them after the retention."""

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    async def carried_out(self, consumer: str, event_id: UUID) -> bool:
        table = processed_events
        async with self._db.connect() as connection:
            found = await connection.scalar(
                select(table.c.event_id).where(
                    table.c.consumer == consumer, table.c.event_id == event_id
                )
            )
        return found is not None

    async def record(self, consumer: str, event_id: UUID) -> None:
        # [adapter:postgresql begin]
        if self._db.backend == "postgresql":  # one statement: autocommitted, one round trip
            async with self._db.connect() as connection:
                await SqlInbox(connection).first_time(consumer, event_id)
            return
        # [adapter:postgresql end]
        try:
            async with self._db.begin() as connection:
                await SqlInbox(connection).first_time(consumer, event_id)
        except IntegrityError:
            pass  # a concurrent twin recorded it first: recorded all the same
