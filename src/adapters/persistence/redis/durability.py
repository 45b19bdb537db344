"""What the Redis server promises about acknowledged writes, read from its configuration.

The Redis store needs the append-only file (docs/persistence.md#durability):
- `appendonly yes` with `appendfsync always`: a write is on disk before Redis answers; nothing
  acknowledged is lost, even when the machine fails.
- `appendonly yes` with `appendfsync everysec`: a crash or kill of Redis usually loses nothing
  (the file is in the kernel's cache), but while a background fsync is slow Redis holds new
  writes in memory for up to 2 s and answers anyway; a failure of the machine loses at most the
  last 2 s. Each commit comes back whole or not at all.
- anything else (`appendfsync no`, RDB snapshots alone, no persistence): a restart loses what
  was written since the last snapshot, so a unit of work that answered "committed" may vanish.
And the server must never evict the store's keys when memory runs out: `maxmemory-policy
noeviction` (writes fail instead), or a `volatile-*` policy, which evicts only keys with a time
to live (the cache's, never the store's).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.exceptions import ResponseError

from adapters.persistence.redis.documents import RedisDocuments

SAFE_FSYNC = ("always", "everysec")
SAFE_EVICTION = ("noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl")


@dataclass(frozen=True, slots=True)
class Durability:
    """The server's `appendonly`, `appendfsync` and `maxmemory-policy`; None when CONFIG GET is
    refused."""

    appendonly: str | None
    appendfsync: str | None
    eviction: str | None = "noeviction"

    @property
    def keeps_acknowledged_writes(self) -> bool:
        return (
            self.appendonly == "yes"
            and self.appendfsync in SAFE_FSYNC
            and self.eviction in SAFE_EVICTION
        )

    def describe(self) -> str:
        if self.appendonly is None:
            return "the server refuses CONFIG GET, so its persistence cannot be checked"
        return (
            f"the server has appendonly={self.appendonly} appendfsync={self.appendfsync} "
            f"maxmemory-policy={self.eviction}"
        )


async def read_durability(documents: RedisDocuments) -> Durability:
    client = documents.client
    async with documents.reachable():
        try:
            found = await client.config_get("append*")
            policy = await client.config_get("maxmemory-policy")
        except ResponseError:  # managed services may rename or disable CONFIG
            return Durability(None, None, None)
    return Durability(
        found.get("appendonly"), found.get("appendfsync"), policy.get("maxmemory-policy")
    )
