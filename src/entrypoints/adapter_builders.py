"""How the container builds the adapters that need more than their settings passed through
(keys, clients with their breakers, registries). The container only names what goes where."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from adapters.auth.keys import KeyRing, development_key_ring, load_key_ring
from adapters.cache.redis import FAILURES, RedisCache, connect_redis, log_breaker_change
from adapters.payments.breaker import PaymentBreaker, payment_breaker
from adapters.resilience.circuit_breaker import CircuitBreaker
from application.catalog.integration_events import register_catalog_events
from application.messaging.registry import EventRegistry
from application.ordering.integration_events import register_ordering_events
from entrypoints.http.security.rate_limit_store import SharedRateLimitStore
from entrypoints.settings import Settings, SettingsError, env_name


def key_ring(settings: Settings) -> KeyRing:
    """PORTICO_AUTH_SIGNING_KEYS, or the development key generated once into var/."""
    try:
        if settings.signing_key_files:
            paths = [Path(name) for name in settings.signing_key_files]
            return load_key_ring(paths, settings.auth_signing_kid or None)
        return development_key_ring(Path(settings.auth_dev_key_file))
    except ValueError as error:
        raise SettingsError(f"{env_name('auth_signing_keys')}: {error}") from None


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def revocation_window(settings: Settings) -> timedelta:
    """How long a token issued before an access change could still be presented."""
    return timedelta(seconds=settings.auth_access_token_ttl + settings.auth_leeway)


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


def build_rate_limit_store(settings: Settings) -> SharedRateLimitStore:
    timeout = settings.redis_timeout_ms / 1000
    client = connect_redis(settings.redis_url, pool_size=settings.redis_pool_size, timeout=timeout)
    return SharedRateLimitStore(client, namespace=f"{settings.cache_prefix}:rate-limit")


def build_payment_breaker(settings: Settings) -> PaymentBreaker:
    return PaymentBreaker(
        payment_breaker(
            failure_threshold=settings.payment_breaker_failures,
            reset_timeout=settings.payment_breaker_reset_ms / 1000,
        )
    )


def uses_cache(settings: Settings) -> bool:
    return settings.cache != "none"


def build_event_registry() -> EventRegistry:
    """Every context's published event types (one line per context)."""
    registry = EventRegistry()
    register_catalog_events(registry)
    register_ordering_events(registry)
    return registry
