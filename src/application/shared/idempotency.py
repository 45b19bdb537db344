"""Run a command once per idempotency key: a retry with the same request replays the first
answer, the same key with another request is refused (422), and a retry that arrives while the
first is still running is told so (409)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from application.shared.ports.clock import Clock
from application.shared.ports.event_store import Payload
from application.shared.ports.idempotency import IdempotencyStore
from domain.shared.errors import Conflict, InvalidValue

T = TypeVar("T")
C = TypeVar("C")
KEY_MAX = 200


class IdempotencyKeyReused(InvalidValue):
    code = "idempotency-key-reused"

    def __init__(self) -> None:
        super().__init__("Idempotency-Key", "was already used with another request")


class RequestInProgress(Conflict):
    code = "request-in-progress"

    def __init__(self) -> None:
        super().__init__("a request with this Idempotency-Key is still being processed; retry")


def fingerprint_of(request: Payload) -> str:
    """A stable digest of a request's meaningful content (key order does not matter)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def run_once(
    store: IdempotencyStore,
    *,
    scope: str,
    key: str,
    request: Payload,
    now: datetime,
    action: Callable[[], Awaitable[T]],
    encode: Callable[[T], Payload],
    decode: Callable[[Payload], T],
) -> T:
    """`scope` separates key spaces (e.g. the command and the caller: keys are per client)."""
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        raise InvalidValue("Idempotency-Key", f"must be 1 to {KEY_MAX} characters")
    fingerprint = fingerprint_of(request)
    holder = await store.reserve(scope, key, fingerprint, now)
    if holder is not None:
        if holder.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if holder.response is None:
            raise RequestInProgress()
        return decode(holder.response)
    try:
        result = await action()
    except BaseException:
        await store.release(scope, key)
        raise
    await store.complete(scope, key, encode(result))
    return result


@dataclass(frozen=True, slots=True)
class OnceRules(Generic[C, T]):
    """What makes a command's retries "the same": its key space, the request content a key is
    bound to, and how its answer is kept to be replayed."""

    key: Callable[[C], str | None]
    scope: Callable[[C], str]
    request: Callable[[C], Payload]
    encode: Callable[[T], Payload]
    decode: Callable[[Payload], T]


class Idempotent(Generic[C, T]):
    """A handler run once per idempotency key: the wiring wraps the use case in it, so a route
    injects one handler and the use case holds only itself. A command without a key passes."""

    def __init__(
        self,
        inner: Callable[[C], Awaitable[T]],
        store: IdempotencyStore,
        clock: Clock,
        rules: OnceRules[C, T],
    ) -> None:
        self._inner = inner
        self._store = store
        self._clock = clock
        self._rules = rules

    async def __call__(self, command: C) -> T:
        key = self._rules.key(command)
        if key is None:
            return await self._inner(command)
        return await run_once(
            self._store,
            scope=self._rules.scope(command),
            key=key,
            request=self._rules.request(command),
            now=self._clock.now(),
            action=lambda: self._inner(command),
            encode=self._rules.encode,
            decode=self._rules.decode,
        )
