"""RedisDeliveryLog: the inbox's hash and index, written after an effect outside Redis.

The same `<prefix>:inbox:` keys as RedisInbox (docs there), so its housekeeping forgets them."""

from __future__ import annotations

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
        name, now = f"{consumer}:{event_id}", int(datetime.now(UTC).timestamp() * 1000)
        client = self._documents.client
        async with self._documents.reachable(), client.pipeline(transaction=True) as pipe:
            pipe.hsetnx(self._seen, name, str(now))
            pipe.zadd(self._applied, {name: now}, nx=True)
            await pipe.execute()
