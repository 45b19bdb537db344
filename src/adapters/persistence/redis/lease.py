"""RedisLease: one holder per name across every process sharing the Redis server.

A hash `<prefix>:leases` maps a name to `<expiry ms>:<holder>`; one script reads and takes it,
so of concurrent takers one wins. Times come from the caller, as the port's other adapters take
them (the lease's clock is the application's).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.persistence.redis.documents import RedisDocuments
from application.shared.ports.lease import Lease

_TAKE = """
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held then
  local sep = string.find(held, ':', 1, true)
  local expires, holder = tonumber(string.sub(held, 1, sep - 1)), string.sub(held, sep + 1)
  if holder ~= ARGV[2] and expires > tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4] .. ':' .. ARGV[2])
return 1
"""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RedisLease(Lease):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._key = documents.key("leases")
        self._take = documents.client.register_script(_TAKE)

    async def take(self, name: str, holder: str, now: datetime, duration: timedelta) -> bool:
        args: list[str | int] = [name, holder, _ms(now), _ms(now + duration)]
        async with self._documents.reachable():
            return bool(await self._take(keys=[self._key], args=args))


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)
