"""SqlIdempotencyStore: one row per (scope, key); the primary key decides which claim wins."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.tables import idempotency_keys as keys
from application.shared.ports.event_store import Payload
from application.shared.ports.idempotency import IdempotencyRecord, IdempotencyStore


class SqlIdempotencyStore(IdempotencyStore):
    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    async def reserve(
        self, scope: str, key: str, fingerprint: str, now: datetime
    ) -> IdempotencyRecord | None:
        claim = insert(keys).values(
            scope=scope, key=key, fingerprint=fingerprint, response=None, created_at=now
        )
        try:
            async with self._db.begin() as connection:
                await connection.execute(claim)
        except IntegrityError:
            pass
        else:
            return None
        query = select(keys.c.fingerprint, keys.c.response).where(
            keys.c.scope == scope, keys.c.key == key
        )
        async with self._db.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:  # released between our INSERT and this read: a fresh claim may win
            return await self.reserve(scope, key, fingerprint, now)
        response = None if row.response is None else json.loads(row.response)
        return IdempotencyRecord(row.fingerprint, response)

    async def complete(self, scope: str, key: str, response: Payload) -> None:
        async with self._db.begin() as connection:
            await connection.execute(
                update(keys)
                .where(keys.c.scope == scope, keys.c.key == key)
                .values(response=json.dumps(response, separators=(",", ":")))
            )

    async def release(self, scope: str, key: str) -> None:
        async with self._db.begin() as connection:
            await connection.execute(
                delete(keys).where(
                    keys.c.scope == scope, keys.c.key == key, keys.c.response.is_(None)
                )
            )

    async def purge(self, older_than: datetime) -> int:
        async with self._db.begin() as connection:
            result = await connection.execute(delete(keys).where(keys.c.created_at < older_than))
        return int(result.rowcount)

    async def release_stale(self, claimed_before: datetime) -> int:
        async with self._db.begin() as connection:
            result = await connection.execute(
                delete(keys).where(keys.c.response.is_(None), keys.c.created_at < claimed_before)
            )
        return int(result.rowcount)
