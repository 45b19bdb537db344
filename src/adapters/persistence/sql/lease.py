"""SqlLease: a row per lease; the UPDATE's condition and the primary key decide who holds it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, or_, update
from sqlalchemy.exc import IntegrityError

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.tables import leases
from application.shared.ports.lease import Lease


class SqlLease(Lease):
    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    async def take(self, name: str, holder: str, now: datetime, duration: timedelta) -> bool:
        held = {"holder": holder, "expires_at": now + duration}
        async with self._db.begin() as connection:
            result = await connection.execute(
                update(leases)
                .where(
                    leases.c.name == name,
                    or_(leases.c.holder == holder, leases.c.expires_at <= now),
                )
                .values(**held)
            )
        if result.rowcount == 1:
            return True
        try:  # no row yet, or another holder's live one: only a first insert can still win
            async with self._db.begin() as connection:
                await connection.execute(insert(leases).values(name=name, **held))
        except IntegrityError:
            return False
        return True
