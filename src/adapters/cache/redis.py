"""RedisCache: the Cache port on Redis (redis.asyncio, one pooled client), guarded by a breaker.

Layout of a value at `<prefix>:<context>:<name>:v<schema>:<key>`:
    b"=" + epoch (16 bytes) + generation (16 bytes) + msgpack payload   an entry
    b"~" + epoch (16 bytes)                                              a tombstone

- Epochs make read-through race-free: `delete` writes a tombstone with a fresh random epoch, an
  entry filled after it keeps that epoch, and `fill` (one Lua script) stores only if the key's
  epoch is still the one its lookup saw.
- The generation (`<prefix>:~generation`) makes outages safe: every read fetches it with the
  entry (one MGET) and ignores entries of another generation. When an invalidation cannot reach
  Redis, this process serves no entry until it has moved the generation on, which retires every
  entry written before (they expire by TTL).
- Lookups made in the same turn of the event loop share one MGET, and claims and fills one
  pipeline each (adapters/cache/redis_batch.py): a round trip's fixed cost in redis-py was most
  of a cached read's.
- Every call runs under a timeout and a CircuitBreaker: a slow or absent Redis costs one timeout,
  then nothing while the circuit is open; reads become misses and the caller loads from the
  source.

- Several processes missing one key at once: the first `claim`s it (SET NX PX), the others wait
  for its fill instead of all loading (the read-through decides how long to wait).

Single Redis only (the Lua scripts touch two keys that a cluster could put on two nodes), or one
master behind Redis Sentinel (adapters/cache/redis_client.py makes the client).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Literal, TypeVar, cast

import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from adapters.cache.redis_batch import Coalesced
from adapters.resilience.circuit_breaker import CircuitBreaker, CircuitOpen, State
from application.shared.ports.cache import Cache, CacheKey, CacheObserver, CacheSpace, Lookup

T = TypeVar("T")
R = TypeVar("R")

ENTRY, TOMBSTONE = b"=", b"~"
NO_EPOCH = b"0" * 16
_HEADER = 1 + 16 + 16
# What a failing Redis raises: protocol and connection errors, OS errors, our own timeout.
FAILURES: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)
# What turns an operation into a miss or a no-op: those failures, or the circuit being open.
_DEGRADE_ON: tuple[type[Exception], ...] = (CircuitOpen, RedisError, OSError, TimeoutError)
_log = structlog.get_logger("portico.cache")
# A read's answer: the generation and the value's bytes (None: degraded, a miss).
_Read = tuple[bytes | None, bytes | None] | None
# A claim or a fill, for one pipeline: the command's words and the space it is about.
_Command = tuple[tuple[Any, ...], CacheSpace[Any]]
UNANSWERED = object()  # what a claim or a fill answers when Redis failed

# KEYS: entry, generation. ARGV: epoch seen, generation seen, payload, ttl ms, new generation.
_FILL = """
local current = redis.call('GET', KEYS[1])
local epoch = '0000000000000000'
if current then epoch = string.sub(current, 2, 17) end
if epoch ~= ARGV[1] then return 0 end
local generation = redis.call('GET', KEYS[2])
if not generation then
  if ARGV[2] ~= '' then return 0 end
  generation = ARGV[5]
  redis.call('SET', KEYS[2], generation)
elseif generation ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], '=' .. epoch .. generation .. ARGV[3], 'PX', ARGV[4])
return 1
"""
# KEYS: entry, generation. ARGV: payload, ttl ms, new generation.
_SET = """
local current = redis.call('GET', KEYS[1])
local epoch = '0000000000000000'
if current then epoch = string.sub(current, 2, 17) end
local generation = redis.call('GET', KEYS[2])
if not generation then
  generation = ARGV[3]
  redis.call('SET', KEYS[2], generation)
end
redis.call('SET', KEYS[1], '=' .. epoch .. generation .. ARGV[1], 'PX', ARGV[2])
return 1
"""


class _Ticket(msgspec.Struct, frozen=True):
    epoch: bytes
    generation: bytes


class RedisCache(Cache):
    def __init__(
        self,
        client: Redis,
        *,
        prefix: str,
        timeout: float,
        breaker: CircuitBreaker,
        tombstone_ttl: timedelta = timedelta(minutes=1),
        observer: CacheObserver | None = None,
    ) -> None:
        self._redis = client
        self._observer = observer  # told of each failed operation (metrics)
        self._prefix = prefix
        self._generation_key = f"{prefix}:~generation"
        self._timeout = timeout
        self._tombstone_ms = _milliseconds(tombstone_ttl)
        self.breaker = breaker
        self._fill = client.register_script(_FILL)
        self._set = client.register_script(_SET)
        self._encoder = msgspec.msgpack.Encoder()
        self._reads: Coalesced[tuple[str, CacheSpace[Any]], _Read] = Coalesced(self._read_many)
        self._claims: Coalesced[_Command, Any] = Coalesced(self._pipelined("claim"))
        self._fills: Coalesced[_Command, Any] = Coalesced(self._pipelined("fill"))
        # True after an invalidation failed to reach Redis: entries there may be stale.
        self.invalidation_lost = False

    async def close(self) -> None:
        await self._redis.aclose(close_connection_pool=True)

    async def lookup(self, key: CacheKey[T]) -> Lookup[T]:
        if self.invalidation_lost and not await self._trusted():
            return Lookup(None)
        read = await self._reads.get((self._name(key), key.space))
        if read is None:
            return Lookup(None)
        generation, raw = read
        ticket = _Ticket(raw[1:17] if raw else NO_EPOCH, generation or b"")
        return Lookup(self._decode(key, raw, generation), ticket)

    async def fill(self, key: CacheKey[T], value: T, ttl: timedelta, ticket: object) -> bool:
        if not isinstance(ticket, _Ticket) or self.invalidation_lost:
            return False
        command = (
            "EVALSHA",
            self._fill.sha,
            2,
            self._name(key),
            self._generation_key,
            ticket.epoch,
            ticket.generation,
            self._encoder.encode(value),
            _milliseconds(ttl),
            _token(),
        )
        stored = await self._fills.get((command, key.space))
        return stored is not UNANSWERED and bool(stored)

    async def get_many(self, keys: Sequence[CacheKey[T]]) -> dict[CacheKey[T], T]:
        if not keys or not await self._trusted():
            return {}
        names = [self._name(key) for key in keys]
        try:
            generation, *raws = await self._mget("get_many", [keys[0].space], *names)
        except _DEGRADE_ON:
            return {}
        found: dict[CacheKey[T], T] = {}
        for key, raw in zip(keys, raws, strict=True):
            value = self._decode(key, raw, generation)
            if value is not None:
                found[key] = value
        return found

    async def set(self, key: CacheKey[T], value: T, ttl: timedelta) -> None:
        if self.invalidation_lost:
            return
        args: list[bytes | int] = [self._encoder.encode(value), _milliseconds(ttl), _token()]
        try:
            await self._run(
                lambda: self._set(keys=[self._name(key), self._generation_key], args=args),
                "set",
                key.space,
            )
        except _DEGRADE_ON:
            return

    async def claim(self, key: CacheKey[Any], hold: timedelta) -> bool:
        if self.invalidation_lost:
            return True
        command = ("SET", self._claim_name(key), b"1", "NX", "PX", _milliseconds(hold))
        taken = await self._claims.get((command, key.space))
        return taken is UNANSWERED or bool(taken)  # unanswered: cannot coordinate, so load

    async def delete_many(self, keys: Sequence[CacheKey[Any]]) -> None:
        if not keys:
            return

        async def write_tombstones() -> None:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.set(self._name(key), TOMBSTONE + _token(), px=self._tombstone_ms)
                # A loader that claimed the key before now cannot store its value: free the claim.
                pipe.delete(*(self._claim_name(key) for key in keys))
                await pipe.execute()

        try:
            await self._run(write_tombstones, "delete", keys[0].space)
        except _DEGRADE_ON as error:
            self.invalidation_lost = True
            _log.warning("cache.invalidation_lost", keys=len(keys), error=type(error).__name__)

    async def status(self) -> Literal["up", "degraded"]:
        """up when Redis answers a PING and the circuit is closed; degraded otherwise.

        The PING goes through the breaker, so readiness probes also probe a half-open circuit.
        """
        try:
            await self._run(self._redis.ping, "ping")
        except _DEGRADE_ON:
            return "degraded"
        if not await self._trusted():
            return "degraded"
        return "up" if self.breaker.state == "closed" else "degraded"

    async def _trusted(self) -> bool:
        """Whether entries may be served: after a lost invalidation, only once healed."""
        if not self.invalidation_lost:
            return True
        try:
            await self._run(lambda: self._redis.set(self._generation_key, _token()), "generation")
        except _DEGRADE_ON:
            return False
        self.invalidation_lost = False
        _log.info("cache.generation_moved", reason="an invalidation was lost")
        return True

    async def _read_many(self, asked: list[tuple[str, CacheSpace[Any]]]) -> list[_Read]:
        """The lookups of one turn of the loop: each its generation and bytes, or all None."""
        spaces = list(dict.fromkeys(space for _, space in asked))
        try:
            generation, *raws = await self._mget("lookup", spaces, *(name for name, _ in asked))
        except _DEGRADE_ON:
            return [None] * len(asked)
        return [(generation, raw) for raw in raws]

    def _pipelined(self, name: str) -> Callable[[list[_Command]], Awaitable[list[Any]]]:
        """Runs the commands of one turn of the loop in one round trip: each its answer (True
        for an OK), or UNANSWERED for all when Redis failed."""

        async def send(commands: list[_Command]) -> list[Any]:
            async with self._redis.pipeline(transaction=False) as pipe:
                for words, _ in commands:
                    pipe.execute_command(*words)
                answers = await pipe.execute(raise_on_error=False)
            # After a restart or SCRIPT FLUSH Redis forgets the scripts: load them, run again.
            for index, answer in enumerate(answers):
                if isinstance(answer, NoScriptError):
                    await self._redis.script_load(_FILL)
                    again = self._redis.execute_command(*commands[index][0])  # type: ignore[no-untyped-call]
                    answers[index] = await again
                elif isinstance(answer, Exception):
                    raise answer
            return answers

        async def run(commands: list[_Command]) -> list[Any]:
            spaces = dict.fromkeys(space for _, space in commands)
            try:
                return await self._run(lambda: send(commands), name, *spaces)
            except _DEGRADE_ON:
                return [UNANSWERED] * len(commands)

        return run

    async def _mget(
        self, operation: str, spaces: Sequence[CacheSpace[Any]], *names: str
    ) -> list[bytes | None]:
        """The generation, then each named value, in one round trip."""
        values = await self._run(
            lambda: self._redis.mget(self._generation_key, *names), operation, *spaces
        )
        return cast("list[bytes | None]", values)

    async def _run(
        self, operation: Callable[[], Awaitable[R]], name: str, *spaces: CacheSpace[Any]
    ) -> R:
        """`operation` under the timeout and the breaker; a failure is told to the observer
        once for each space it was about (or once, about none)."""

        async def attempt() -> R:
            async with asyncio.timeout(self._timeout):
                return await operation()

        try:
            return await self.breaker.call(attempt)
        except FAILURES:  # not CircuitOpen: a refusal tried nothing
            if self._observer is not None:
                for space in spaces or (None,):
                    self._observer.failed(space, name)
            raise

    def _name(self, key: CacheKey[Any]) -> str:
        return f"{self._prefix}:{key}"

    def _claim_name(self, key: CacheKey[Any]) -> str:
        return f"{self._prefix}:~claim:{key}"

    def _decode(self, key: CacheKey[T], raw: bytes | None, generation: bytes | None) -> T | None:
        if raw is None or generation is None or raw[:1] != ENTRY or raw[17:_HEADER] != generation:
            return None
        try:
            return cast("T", _decoder(key.space.type).decode(raw[_HEADER:]))
        except msgspec.DecodeError:
            # A payload this code cannot read (a schema bump was forgotten): a miss, not a 500.
            _log.warning("cache.undecodable_entry", key=str(key))
            return None


def log_breaker_change(name: str, previous: State, state: State) -> None:
    _log.warning("cache.circuit_changed", circuit=name, previous=previous, state=state)


_DECODERS: dict[object, msgspec.msgpack.Decoder[Any]] = {}


def _decoder(value_type: object) -> msgspec.msgpack.Decoder[Any]:
    decoder = _DECODERS.get(value_type)
    if decoder is None:
        decoder = _DECODERS[value_type] = msgspec.msgpack.Decoder(value_type)
    return decoder


def _token() -> bytes:
    """16 random hex bytes: a generation or a tombstone epoch."""
    return secrets.token_hex(8).encode()


def _milliseconds(ttl: timedelta) -> int:
    milliseconds = int(ttl.total_seconds() * 1000)
    if milliseconds <= 0:
        raise ValueError("ttl must be positive")
    return milliseconds
