"""How the platform builds the adapters that need more than their settings passed through."""

from __future__ import annotations

from adapters.cache.redis import FAILURES, RedisCache, connect_redis, log_breaker_change
from adapters.resilience.circuit_breaker import CircuitBreaker
from entrypoints.settings import Settings


def build_redis_cache(settings: Settings) -> RedisCache:
    timeout = settings.redis_timeout_ms / 1000
    breaker = CircuitBreaker(
        "redis-cache",
        failure_threshold=settings.cache_breaker_failures,
        reset_timeout=settings.cache_breaker_reset_ms / 1000,
        failure_types=FAILURES,
        on_change=log_breaker_change,
    )
    client = connect_redis(settings.redis_url, pool_size=settings.redis_pool_size, timeout=timeout)
    return RedisCache(client, prefix=settings.cache_prefix, timeout=timeout, breaker=breaker)


def uses_cache(settings: Settings) -> bool:
    return settings.cache != "none"
