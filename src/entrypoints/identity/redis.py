"""Identity's part of the Redis adapter: the sign-in rate limits and the sign-ins under way,
shared across processes when PORTICO_CACHE=redis. The selectors of identity/builders.py name
these builders by path, so redis-py is imported only when Redis is chosen."""

from __future__ import annotations

from adapters.cache.redis_client import connect_redis
from adapters.identity.redis_pending_sign_ins import RedisPendingSignIns
from entrypoints.http.security.redis_rate_limit_store import SharedRateLimitStore
from entrypoints.settings import Settings


def build_rate_limit_store(settings: Settings) -> SharedRateLimitStore:
    timeout = settings.redis.timeout_ms / 1000
    client = connect_redis(settings.redis.url, pool_size=settings.redis.pool_size, timeout=timeout)
    return SharedRateLimitStore(client, namespace=f"{settings.cache.prefix}:rate-limit")


def build_pending_sign_ins(settings: Settings) -> RedisPendingSignIns:
    timeout = settings.redis.timeout_ms / 1000
    client = connect_redis(settings.redis.url, pool_size=settings.redis.pool_size, timeout=timeout)
    return RedisPendingSignIns(client, namespace=f"{settings.cache.prefix}:social-sign-in")
