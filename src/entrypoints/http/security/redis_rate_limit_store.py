"""The rate-limit store shared in Redis when PORTICO_CACHE=redis, so limits hold across
processes, and never a reason for the API to fail.

While Redis does not answer, counting goes on in this process's memory (the limits then hold per
process, as with the memory store), and a warning says so once per outage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import structlog
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import RedisError

from entrypoints.http.security.rate_limit_store import CountingStore, MemoryRateLimitStore

T = TypeVar("T")
_log = structlog.get_logger("portico.rate_limit")


class SharedRateLimitStore(CountingStore):
    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._shared = RedisStore(redis, namespace=namespace, handle_client_shutdown=False)
        self._local = MemoryRateLimitStore()
        self._namespace = namespace
        self._redis = redis
        self._degraded = False

    async def _either(
        self, shared: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]
    ) -> T:
        try:
            result = await shared()
        except (RedisError, OSError, TimeoutError) as error:
            if not self._degraded:
                self._degraded = True
                _log.warning("rate_limit.store_local", reason=type(error).__name__)
            return await local()
        if self._degraded:
            self._degraded = False
            _log.info("rate_limit.store_shared_again")
        return result

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        await self._either(
            lambda: self._shared.set(key, value, expires_in),
            lambda: self._local.set(key, value, expires_in),
        )

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await self._either(
            lambda: self._shared.get(key, renew_for), lambda: self._local.get(key, renew_for)
        )

    async def delete(self, key: str) -> None:
        await self._either(lambda: self._shared.delete(key), lambda: self._local.delete(key))

    async def delete_all(self) -> None:
        await self._either(self._shared.delete_all, self._local.delete_all)

    async def exists(self, key: str) -> bool:
        return await self._either(lambda: self._shared.exists(key), lambda: self._local.exists(key))

    async def expires_in(self, key: str) -> int | None:
        return await self._either(
            lambda: self._shared.expires_in(key), lambda: self._local.expires_in(key)
        )

    async def increment(self, key: str, expires_in: int) -> int:
        return await self._either(
            lambda: self._increment_shared(key, expires_in),
            lambda: self._local.increment(key, expires_in),
        )

    async def _increment_shared(self, key: str, expires_in: int) -> int:
        # INCR and EXPIRE in one MULTI/EXEC: atomic across processes, and the key never lives
        # on without an expiry. Same key and value format as RedisStore, so get() reads it.
        name = f"{self._namespace}:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, expires_in)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self._redis.aclose(close_connection_pool=True)
