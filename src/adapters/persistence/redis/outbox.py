"""RedisOutbox: the outbox of the Redis units of work, with the SQL outbox's contract.

A commit appends its events in its own Lua script (`stage`), so they are written with the state
change or not at all. Each event takes the next position of a counter; keys under
`<prefix>:outbox:`:
- `events` (hash position -> the event's JSON), `aggregates` (position -> aggregate id);
- `pending` (sorted set of positions not yet published, in commit order);
- `claims` (position -> when the claim lapses, ms) and `claimants` (position -> relay token);
- `sent` (position -> when it was published, ms), forgotten by `purge_sent`.

A claim is one script: it walks `pending` in order and takes events whose aggregate has no
earlier event claimed by another relay, so each aggregate's events go out in commit order. A
claim lapses after `claim_timeout` (a relay that died frees its batch then): an event may be
published twice, never lost; consumers deduplicate by event id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from adapters.persistence.doorbell import InProcessDoorbell
from adapters.persistence.redis.documents import RedisDocuments, WriteSet, dumps
from application.messaging.registry import IntegrationEvents
from application.shared.ports.messaging import IntegrationEvent
from application.shared.ports.outbox import Outbox, OutboxBatch
from application.shared.ports.wakeup import Doorbell
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant

_CLAIM = """
local pending, claims, claimants, aggregates, events = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, limit, lapse, token = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
for _, p in ipairs(redis.call('ZRANGEBYSCORE', claims, '-inf', now)) do
  redis.call('ZREM', claims, p)
  redis.call('HDEL', claimants, p)
end
local taken, blocked, start = {}, {}, 0
while #taken < limit do
  local page = redis.call('ZRANGE', pending, start, start + 199)
  if #page == 0 then break end
  for _, p in ipairs(page) do
    local aggregate = redis.call('HGET', aggregates, p) or p
    if redis.call('ZSCORE', claims, p) then
      blocked[aggregate] = true
    elseif not blocked[aggregate] then
      taken[#taken + 1] = p
      if #taken >= limit then break end
    end
  end
  start = start + 200
end
local out = {}
for _, p in ipairs(taken) do
  redis.call('ZADD', claims, lapse, p)
  redis.call('HSET', claimants, p, token)
  out[#out + 1] = p
  out[#out + 1] = redis.call('HGET', events, p)
end
return out
"""

_SETTLE = """
local pending, claims, claimants, sent = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token, now, count = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 4, #ARGV do
  local p = ARGV[i]
  if i - 3 <= count and redis.call('ZREM', pending, p) == 1 then
    redis.call('ZADD', sent, now, p)
  end
  if redis.call('HGET', claimants, p) == token then
    redis.call('ZREM', claims, p)
    redis.call('HDEL', claimants, p)
  end
end
return 0
"""

_PURGE = """
local sent, events, aggregates = KEYS[1], KEYS[2], KEYS[3]
local old = redis.call('ZRANGEBYSCORE', sent, '-inf', '(' .. ARGV[1], 'LIMIT', 0, 500)
for _, p in ipairs(old) do
  redis.call('HDEL', events, p)
  redis.call('HDEL', aggregates, p)
  redis.call('ZREM', sent, p)
end
return #old
"""


class _Batch(OutboxBatch):
    def __init__(self, positions: list[str], events: list[IntegrationEvent]) -> None:
        self.positions = positions
        self.events = events
        self.count = 0

    def sent(self, count: int) -> None:
        self.count = max(0, min(count, len(self.events)))


class RedisOutbox(Outbox):
    def __init__(
        self,
        documents: RedisDocuments,
        events: IntegrationEvents,
        doorbell: Doorbell | None = None,
        *,
        claim_timeout: float = 60.0,
    ) -> None:
        self._documents = documents
        self._to_integration = events
        self._claim_ms = int(claim_timeout * 1000)
        self._doorbell = doorbell or InProcessDoorbell()
        key = documents.key
        self._seq, self._events, self._aggregates = (
            key("outbox", "seq"),
            key("outbox", "events"),
            key("outbox", "aggregates"),
        )
        self._pending, self._claims, self._claimants, self._sent = (
            key("outbox", "pending"),
            key("outbox", "claims"),
            key("outbox", "claimants"),
            key("outbox", "sent"),
        )
        client = documents.client
        self._claim = client.register_script(_CLAIM)
        self._settle = client.register_script(_SETTLE)
        self._purge = client.register_script(_PURGE)

    def stage(self, writes: WriteSet, domain_events: Sequence[DomainEvent]) -> bool:
        """Add the commit's integration events to `writes`; False when there are none. May
        raise (an undeclared event), so call it before the commit's script runs."""
        events = self._to_integration(domain_events)
        if not events:
            return False
        writes.outbox = [
            self._seq,
            self._events,
            self._aggregates,
            self._pending,
            [[str(event.aggregate_id), dumps(_document(event))] for event in events],
        ]
        return True

    def notify(self) -> None:
        """Wake relays of this process once the events are committed."""
        self._doorbell.ring()

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[OutboxBatch]:
        token = uuid.uuid4().hex
        now = _now_ms()
        keys = [self._pending, self._claims, self._claimants, self._aggregates, self._events]
        async with self._documents.reachable():
            found = await self._claim(keys=keys, args=[now, limit, now + self._claim_ms, token])
        positions = [_text(found[i]) for i in range(0, len(found), 2)]
        events = [_event(json.loads(found[i])) for i in range(1, len(found), 2)]
        batch = _Batch(positions, events)
        try:
            yield batch
        finally:
            if positions:
                async with self._documents.reachable():
                    await self._settle(
                        keys=[self._pending, self._claims, self._claimants, self._sent],
                        args=[token, _now_ms(), batch.count, *positions],
                    )

    async def backlog(self) -> int:
        async with self._documents.reachable():
            return int(await self._documents.client.zcard(self._pending))

    async def oldest_pending(self) -> datetime | None:
        client = self._documents.client
        async with self._documents.reachable():
            first = [_text(p) for p in await client.zrange(self._pending, 0, 0)]  # type: ignore[arg-type]
            raw = await client.hget(self._events, first[0]) if first else None
        if raw is None:
            return None
        return datetime.fromisoformat(json.loads(raw)["occurred_at"])

    async def purge_sent(self, before: datetime) -> int:
        cutoff = int(before.timestamp() * 1000)
        total = 0
        while True:
            async with self._documents.reachable():
                gone = int(
                    await self._purge(
                        keys=[self._sent, self._events, self._aggregates], args=[cutoff]
                    )
                )
            total += gone
            if gone < 500:
                return total

    async def wait(self, at_most: float, waiter: object = None) -> bool:
        return await self._doorbell.wait(at_most, waiter)


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _document(event: IntegrationEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "type": event.type,
        "version": event.version,
        "occurred_at": event.occurred_at.isoformat(),
        "aggregate_id": str(event.aggregate_id),
        "payload": event.payload,
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "actor": event.actor,
        "traceparent": event.traceparent,
        "organisation_id": str(event.tenant.organisation_id),
    }


def _event(document: dict[str, Any]) -> IntegrationEvent:
    return IntegrationEvent(
        id=UUID(document["id"]),
        type=document["type"],
        version=document["version"],
        occurred_at=datetime.fromisoformat(document["occurred_at"]),
        aggregate_id=UUID(document["aggregate_id"]),
        payload=document["payload"],
        correlation_id=document["correlation_id"],
        causation_id=document["causation_id"],
        actor=document["actor"],
        traceparent=document["traceparent"],
        # Documents written before the tenant was carried belong to the single tenant.
        tenant=Tenant(UUID(document.get("organisation_id") or str(Tenant.SINGLE_ID))),
    )
