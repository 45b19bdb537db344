"""The Redis client's pool (adapters/cache/redis_client.py): bounded, and fair to the calls that
wait for a connection. redis-py's BlockingConnectionPool let a call that came late take a freed
connection ahead of one already waiting, which at 32 requests on 20 connections starved waiters
until the timeout and opened the cache's breaker (issue 18)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from adapters.cache.redis_client import FairPool, connect_redis
from tests.support.redis import PATIENCE, REDIS_URL
from tests.support.servers import require_server

pytestmark = pytest.mark.redis
WAIT = 20.0  # guards against hanging, never an assertion on speed


async def test_a_freed_connection_goes_to_the_call_that_waited_first() -> None:
    client = connect_redis(
        require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL"), pool_size=1, timeout=WAIT
    )
    pool = client.connection_pool
    served: list[str] = []
    try:
        held = await pool.get_connection()

        async def call(name: str) -> None:
            connection = await pool.get_connection()
            served.append(name)
            await pool.release(connection)

        waiting = asyncio.create_task(call("waiting"))
        await asyncio.sleep(0.05)  # the first caller is queued for the one connection
        assert served == []
        # The holder gives its connection back and at once asks again, as a busy request does.
        await pool.release(held)
        await call("holder again")
        await waiting
        assert served == ["waiting", "holder again"]
        assert await client.ping()
    finally:
        await client.aclose()


async def test_a_call_that_finds_no_connection_in_time_fails_as_a_connection_error() -> None:
    # The wait for a free connection is what is tested (0.05 s: the held one is never freed
    # meanwhile); Redis's answers get PATIENCE, since 0.05 s for a connect or a PING could run
    # out on a loaded machine. connect_redis gives both one timeout.
    url = require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
    pool = FairPool.from_url(
        url, wait=0.05, max_connections=1, socket_timeout=PATIENCE, socket_connect_timeout=PATIENCE
    )
    client = Redis(connection_pool=pool)
    try:
        held = await pool.get_connection()
        with pytest.raises(RedisConnectionError):
            await client.ping()  # what the cache's breaker counts and degrades to a miss
        await pool.release(held)
        assert await client.ping()  # the slot came back
    finally:
        await client.aclose()
