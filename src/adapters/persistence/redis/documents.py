"""RedisDocuments: the one way a unit of work on Redis commits, and how its keys are named.

A document is a hash `{v: version, d: json}`. A unit of work stages its writes, then hands them
to `commit` as a `WriteSet`: checks (a document's version, a unique value's owner, a field that
must be new), then writes, then outbox events. One Lua script runs the checks and, only if all
pass, the writes: Redis runs a script alone, so the commit is atomic and isolated, and the AOF
records its effects as one MULTI/EXEC, so a restart replays all of it or none.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from application.shared.errors import DependencyUnavailable

_COMMIT = """
local ops = cjson.decode(ARGV[1])
for _, c in ipairs(ops.checks) do
  local kind = c[1]
  if kind == 'version' then
    local stored = redis.call('HGET', c[2], 'v')
    local actual = 0
    if stored then actual = tonumber(stored) end
    if actual ~= c[3] then return {'stale', c[2]} end
  elseif kind == 'unique' then
    local owner = redis.call('HGET', c[2], c[3])
    if owner and owner ~= c[4] then
      local freed = false
      for _, id in ipairs(c[5]) do if id == owner then freed = true end end
      if not freed then return {'taken', c[3]} end
    end
  elseif kind == 'new' then
    if redis.call('HEXISTS', c[2], c[3]) == 1 then return {'taken', c[3]} end
  elseif kind == 'absent' then
    if redis.call('EXISTS', c[2]) == 1 then return {'stale', c[2]} end
  elseif kind == 'unset' then
    if redis.call('EXISTS', c[2]) == 0 then return {'stale', c[2]} end
    for i = 3, #c do
      if redis.call('HEXISTS', c[2], c[i]) == 1 then return {'stale', c[2]} end
    end
  end
end
for _, w in ipairs(ops.writes) do
  local kind = w[1]
  if kind == 'hset' then redis.call('HSET', w[2], unpack(w[3]))
  elseif kind == 'del' then redis.call('DEL', w[2])
  elseif kind == 'hdel' then redis.call('HDEL', w[2], w[3])
  elseif kind == 'hdel_if' then
    if redis.call('HGET', w[2], w[3]) == w[4] then redis.call('HDEL', w[2], w[3]) end
  elseif kind == 'zadd' then redis.call('ZADD', w[2], w[3], w[4])
  elseif kind == 'zrem' then redis.call('ZREM', w[2], w[3])
  elseif kind == 'hsetnx' then redis.call('HSETNX', w[2], w[3], w[4])
  elseif kind == 'hsetnx_x' then
    if redis.call('EXISTS', w[2]) == 1 then redis.call('HSETNX', w[2], w[3], w[4]) end
  elseif kind == 'sadd' then redis.call('SADD', w[2], w[3])
  elseif kind == 'srem' then redis.call('SREM', w[2], w[3])
  end
end
local o = ops.outbox
if o then
  for _, e in ipairs(o[5]) do
    local position = redis.call('INCR', o[1])
    redis.call('HSET', o[2], position, e[2])
    redis.call('HSET', o[3], position, e[1])
    redis.call('ZADD', o[4], position, position)
  end
end
return {'ok', ''}
"""

# What a lost or refused connection raises: the adapter answers DependencyUnavailable("redis").
FAILURES: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


class CommitRefused(Exception):
    """A check failed: `kind` is "stale" (a version moved) or "taken" (a unique value is held);
    `subject` the key or the value."""

    def __init__(self, kind: str, subject: str) -> None:
        super().__init__(f"{kind}: {subject}")
        self.kind, self.subject = kind, subject


@dataclass
class WriteSet:
    """What one commit checks, then writes. Releases of unique values run before the writes."""

    checks: list[list[Any]] = field(default_factory=list)
    releases: list[list[Any]] = field(default_factory=list)
    writes: list[list[Any]] = field(default_factory=list)
    outbox: list[Any] | None = None

    def expect_version(self, key: str, version: int) -> None:
        """The document at `key` must be at `version` (0: must not exist)."""
        self.checks.append(["version", key, version])

    def claim(self, index: str, value: str, owner: str, freed_by: Sequence[str] = ()) -> None:
        """`value` of the unique `index` goes to `owner`: it must be free, `owner`'s already, or
        held by one of `freed_by` (documents this commit deletes or moves off the value, whose
        versions it checks)."""
        self.checks.append(["unique", index, value, owner, list(freed_by)])
        self.writes.append(["hset", index, [value, owner]])

    def release(self, index: str, value: str, owner: str) -> None:
        self.releases.append(["hdel_if", index, value, owner])

    def first(self, index: str, name: str, value: str) -> None:
        """Record `name` in the hash `index`; the commit is refused if it is there already."""
        self.checks.append(["new", index, name])
        self.writes.append(["hset", index, [name, value]])

    def expect_absent(self, key: str) -> None:
        """Nothing may be stored at `key` yet (a new hash of plain fields)."""
        self.checks.append(["absent", key])

    def expect_unset(self, key: str, *names: str) -> None:
        """The hash at `key` must exist without the fields `names` (a single use)."""
        self.checks.append(["unset", key, *names])

    def put(self, key: str, version: int, document: dict[str, Any]) -> None:
        self.writes.append(["hset", key, ["v", str(version), "d", dumps(document)]])

    def delete(self, key: str) -> None:
        self.writes.append(["del", key])

    def fields(self, key: str, values: dict[str, str]) -> None:
        """Set fields of the hash at `key` (a document kept as plain fields)."""
        self.writes.append(["hset", key, [part for item in values.items() for part in item]])

    def field_once(self, key: str, name: str, value: str, *, existing: bool = False) -> None:
        """Set the field unless it is set: the first value stays. With `existing`, only if the
        hash at `key` is still there (a deleted one is not brought back as that one field)."""
        self.writes.append(["hsetnx_x" if existing else "hsetnx", key, name, value])

    def forget_field(self, key: str, name: str) -> None:
        self.writes.append(["hdel", key, name])

    def member(self, key: str, value: str, *, present: bool = True) -> None:
        """Add `value` to the set at `key` (or remove it)."""
        self.writes.append(["sadd" if present else "srem", key, value])

    def index(self, key: str, member: str, score: float = 0) -> None:
        self.writes.append(["zadd", key, repr(score), member])

    def unindex(self, key: str, member: str) -> None:
        self.writes.append(["zrem", key, member])

    def script_argument(self) -> str:
        body: dict[str, Any] = {"checks": self.checks, "writes": self.releases + self.writes}
        if self.outbox is not None:
            body["outbox"] = self.outbox
        return json.dumps(body, separators=(",", ":"))


class RedisDocuments:
    """The client and the key prefix every Redis adapter of one application shares."""

    def __init__(self, client: Redis, *, prefix: str = "portico") -> None:
        self.client = client
        self.prefix = prefix
        self._commit = client.register_script(_COMMIT)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def commit(self, writes: WriteSet) -> None:
        """Run the checks, then the writes, atomically; CommitRefused names the failed check."""
        async with self.reachable():
            answer = await self._commit(args=[writes.script_argument()])
        kind, subject = (_text(part) for part in answer)
        if kind != "ok":
            raise CommitRefused(kind, subject)

    async def read(self, key: str) -> dict[str, Any] | None:
        """The document at `key`, or None."""
        async with self.reachable():
            raw = await self.client.hget(key, "d")
        return None if raw is None else loads(raw)

    async def read_many(self, keys: Sequence[str]) -> list[dict[str, Any] | None]:
        if not keys:
            return []
        async with self.reachable(), self.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(key, "d")
            found = await pipe.execute()
        return [None if raw is None else loads(raw) for raw in found]

    @asynccontextmanager
    async def reachable(self) -> AsyncIterator[None]:
        try:
            yield
        except FAILURES as error:
            raise DependencyUnavailable("redis") from error

    async def ping(self) -> None:
        async with self.reachable():
            await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(raw: bytes | str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(raw)
    return value


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
