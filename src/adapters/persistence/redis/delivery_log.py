"""RedisDeliveryLog: the inbox's hash and index, written after an effect outside Redis.

The same `<prefix>:inbox:` keys as RedisInbox (docs there), so its housekeeping forgets them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from uuid import UUID

from adapters.persistence.redis.documents import RedisDocuments
from application.shared.ports.inbox import DeliveryLog


class RedisDeliveryLog(DeliveryLog):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._seen = documents.key("inbox", "seen")
        self._applied = documents.key("inbox", "applied")

    async def carried_out(self, consumer: str, event_id: UUID) -> bool:
        async with self._documents.reachable():
            return bool(await self._documents.client.hexists(self._seen, f"{consumer}:{event_id}"))

    async def record(self, consumer: str, event_id: UUID) -> None:
        await self.record_all(consumer, (event_id,))

    async def carried_out_among(self, consumer: str, event_ids: Collection[UUID]) -> set[UUID]:
        if not event_ids:
            return set()
        ids = list(event_ids)
        async with self._documents.reachable():
            found = await self._documents.client.hmget(
                self._seen, [f"{consumer}:{event_id}" for event_id in ids]
            )
        return {event_id for event_id, at in zip(ids, found, strict=True) if at is not None}

    async def record_all(self, consumer: str, event_ids: Collection[UUID]) -> None:
        if not event_ids:
            return
        names = [f"{consumer}:{event_id}" for event_id in event_ids]
        now = int(datetime.now(UTC).timestamp() * 1000)
        client = self._documents.client
        # One round trip (MULTI/EXEC): HSETNX keeps a first record's time, as RedisInbox does.
        async with self._documents.reachable(), client.pipeline(transaction=True) as pipe:
            for name in names:
                pipe.hsetnx(self._seen, name, str(now))
            pipe.zadd(self._applied, dict.fromkeys(names, now), nx=True)
            await pipe.execute()
