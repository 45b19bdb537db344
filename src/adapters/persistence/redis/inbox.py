"""RedisInbox: the event ids each consumer applied, committed with the consumer's effect.

Keys under `<prefix>:inbox:`: `seen` (hash `<consumer>:<event id>` -> when it was applied, ms)
and `applied` (the same names by that time, for housekeeping). A record joins its unit of
work's commit script as a field that must be new: of two concurrent twins, the second commit is
refused, so the effect is applied once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from adapters.persistence.redis.documents import RedisDocuments, WriteSet
from application.shared.ports.inbox import Inbox, InboxRecords


class RedisInbox(Inbox):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._seen = documents.key("inbox", "seen")
        self._applied = documents.key("inbox", "applied")
        self.staged: set[str] = set()

    async def first_time(self, consumer: str, event_id: UUID) -> bool:
        name = f"{consumer}:{event_id}"
        if name in self.staged:
            return False
        async with self._documents.reachable():
            if await self._documents.client.hexists(self._seen, name):
                return False
        self.staged.add(name)
        return True

    def stage(self, writes: WriteSet) -> None:
        now = int(datetime.now(UTC).timestamp() * 1000)
        for name in sorted(self.staged):
            writes.first(self._seen, name, str(now))
            writes.index(self._applied, name, now)


class RedisInboxRecords(InboxRecords):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._seen = documents.key("inbox", "seen")
        self._applied = documents.key("inbox", "applied")

    async def forget(self, before: datetime) -> int:
        cutoff = f"({int(before.timestamp() * 1000)}"
        client, total = self._documents.client, 0
        while True:
            async with self._documents.reachable():
                old = await client.zrangebyscore(self._applied, "-inf", cutoff, start=0, num=500)
                if old:
                    async with client.pipeline(transaction=True) as pipe:
                        pipe.hdel(self._seen, *old)
                        pipe.zrem(self._applied, *old)
                        await pipe.execute()
            total += len(old)
            if len(old) < 500:
                return total
