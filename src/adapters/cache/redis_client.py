"""connect_redis: the one place a Redis URL becomes a client (the cache and the rate limits).

Two forms of URL:
- `redis://[user:password@]host:port/db` (or `rediss://`, `unix://`): one server.
- `redis+sentinel://[user:password@]host:port,host:port/service/db`: Redis Sentinel. The client
  asks the sentinels where the master of `service` is before each new connection; after a
  failover, a command on a connection to the old master fails once (the breaker counts it) and
  the next connection goes to the new master. The credentials are the master's; the sentinels
  are asked without any.

The pool is bounded and fair: a call waits (up to the timeout) for a free connection in the order
it asked. redis-py's BlockingConnectionPool is not fair: a call that arrives while a connection is
free takes it ahead of the ones already waiting on its condition, so at more concurrent calls than
connections (32 requests, 20 connections) a waiter could starve until the timeout, fail with "No
connection available", count against the cache's breaker and open it: every read then went to
the database (issue 18).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

SENTINEL_SCHEME = "redis+sentinel://"


def connect_redis(url: str, *, pool_size: int, timeout: float) -> Redis:
    """A client with a bounded pool; no retries of its own (the breaker decides)."""
    options: dict[str, Any] = {
        "max_connections": pool_size,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }
    if url.startswith(SENTINEL_SCHEME):
        sentinels, service, credentials = parse_sentinel_url(url)
        sentinel = Sentinel(  # type: ignore[no-untyped-call]
            sentinels,
            sentinel_kwargs={"socket_timeout": timeout, "socket_connect_timeout": timeout},
        )
        client: Redis = sentinel.master_for(
            service, connection_pool_class=_FairSentinelPool, wait=timeout, **options, **credentials
        )
        return client
    return Redis(connection_pool=FairPool.from_url(url, wait=timeout, **options))


def parse_sentinel_url(url: str) -> tuple[list[tuple[str, int]], str, dict[str, Any]]:
    """`redis+sentinel://[user:password@]host:port,host:port/service[/db]` -> the sentinels'
    addresses, the service name, and the master's connection options (db, credentials).
    ValueError says what is wrong."""
    rest = url.removeprefix(SENTINEL_SCHEME)
    location, _, path = rest.partition("/")
    userinfo, _, hosts = location.rpartition("@")
    sentinels = [_address(host.strip()) for host in hosts.split(",") if host.strip()]
    if not sentinels:
        raise ValueError("a Sentinel URL names at least one sentinel, host:port")
    service, _, db = path.strip("/").partition("/")
    if not service:
        raise ValueError("a Sentinel URL names its service: redis+sentinel://host:port/service")
    if db and not db.isdigit():
        raise ValueError(f"the database {db!r} is not a number")
    options: dict[str, Any] = {"db": int(db or 0)}
    if userinfo:
        user, has_password, password = userinfo.partition(":")
        if has_password:
            options["password"] = unquote(password)
        if user:
            options["username"] = unquote(user)
    return sentinels, service, options


def _address(host: str) -> tuple[str, int]:
    name, _, port = host.rpartition(":")
    if not name or not port.isdigit():
        raise ValueError(f"{host!r} is not host:port")
    return name.strip("[]"), int(port)


class FairPool(ConnectionPool):
    """At most `max_connections`; a call waits up to `wait` seconds for one, first come first
    served (an asyncio.Semaphore queues its waiters), then fails with ConnectionError."""

    def __init__(self, *args: Any, wait: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots = asyncio.Semaphore(self.max_connections)
        self._wait = wait

    async def get_connection(self, *_: Any, **__: Any) -> AbstractConnection:
        try:
            async with asyncio.timeout(self._wait):
                await self._slots.acquire()
        except TimeoutError as error:
            raise RedisConnectionError("No connection available.") from error
        try:
            # Never over the bound: each connection taken holds a slot until released.
            connection: AbstractConnection = self.get_available_connection()  # type: ignore[no-untyped-call]
        except BaseException:
            self._slots.release()
            raise
        try:
            await self.ensure_connection(connection)
        except BaseException:
            await self.release(connection)
            raise
        return connection

    async def release(self, connection: AbstractConnection) -> None:
        try:
            await super().release(connection)
        finally:
            self._slots.release()


class _FairSentinelPool(SentinelConnectionPool, FairPool):
    """The master's pool: waits fairly for a free connection (as the single-server pool does)
    instead of failing at once, and closes the sentinels' connections with its own."""

    async def aclose(self) -> None:
        await super().aclose()
        for sentinel in self.sentinel_manager.sentinels:
            await sentinel.aclose()
