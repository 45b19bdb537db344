"""The Redis adapter's part of the platform: one server for the shared cache (PORTICO_CACHE=redis)
and the store (PORTICO_PERSISTENCE=redis), each on its own client and timeout.

PlatformContainer's Selector tables pick these parts by the settings; the contexts' Redis units
of work take `documents` and `outbox` from the platform (entrypoints/platform/container.py).
Nothing here imports redis-py until a setting picks Redis (entrypoints/deferred.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from adapters.resilience.circuit_breaker import CircuitBreaker, State
from application.messaging.registry import IntegrationEvents
from application.shared.ports.wakeup import Doorbell
from entrypoints.deferred import deferred
from entrypoints.metrics.dependencies import DependencyMetrics
from entrypoints.platform.probes import Probe, Status
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.cache.redis import RedisCache
    from adapters.persistence.redis.documents import RedisDocuments

_none: providers.Object[None] = providers.Object(None)


def build_redis_cache(settings: Settings, metrics: DependencyMetrics | None = None) -> RedisCache:
    from adapters.cache.redis import FAILURES, RedisCache, log_breaker_change
    from adapters.cache.redis_client import connect_redis

    timeout = settings.redis.timeout_ms / 1000

    def changed(name: str, previous: State, state: State) -> None:
        log_breaker_change(name, previous, state)
        if metrics is not None:
            metrics.circuit_changed(name, previous, state)

    breaker = CircuitBreaker(
        "redis-cache",
        failure_threshold=settings.cache.breaker_failures,
        reset_timeout=settings.cache.breaker_reset_ms / 1000,
        failure_types=FAILURES,
        on_change=changed,
    )
    client = connect_redis(settings.redis.url, pool_size=settings.redis.pool_size, timeout=timeout)
    return RedisCache(
        client, prefix=settings.cache.prefix, timeout=timeout, breaker=breaker, observer=metrics
    )


def build_redis_documents(settings: Settings) -> RedisDocuments:
    """The Redis store of PORTICO_PERSISTENCE=redis: its own client, whose calls may take
    PORTICO_REDIS_STORE_TIMEOUT_MS (a commit is not a cache read to give up on quickly)."""
    from adapters.cache.redis_client import connect_redis
    from adapters.persistence.redis.documents import RedisDocuments

    redis = settings.redis
    client = connect_redis(
        redis.url, pool_size=redis.pool_size, timeout=redis.store_timeout_ms / 1000
    )
    return RedisDocuments(client, prefix=redis.store_prefix)


def store_probe(documents: RedisDocuments) -> Probe:
    """The Redis that holds the state (PORTICO_PERSISTENCE=redis): down when it does not answer."""

    async def probe() -> Status:
        await documents.ping()
        return "up"

    return probe


def cache_probe(cache: RedisCache) -> Probe:
    # Never "down": without Redis, reads are served from the database ("degraded").
    return cache.status


class RedisContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    metrics: providers.Dependency[DependencyMetrics | None] = providers.Dependency()  # None: off
    events = providers.Dependency(instance_of=IntegrationEvents)  # what the outbox writes
    doorbell: providers.Dependency[Doorbell] = (
        providers.Dependency()
    )  # wakes the relay after a commit
    persistence, cache_kind = settings.provided.persistence, settings.provided.cache.backend

    cache = providers.Singleton(build_redis_cache, settings, metrics)
    cache_probe = providers.Selector(
        cache_kind, redis=providers.Factory(cache_probe, cache), memory=_none, none=_none
    )
    documents = providers.Singleton(build_redis_documents, settings)
    store_probe = providers.Factory(store_probe, documents)
    outbox = providers.Singleton(
        deferred("adapters.persistence.redis.outbox:RedisOutbox"), documents, events, doorbell
    )
    lease = providers.Singleton(deferred("adapters.persistence.redis.lease:RedisLease"), documents)
    delivery_log = providers.Singleton(
        deferred("adapters.persistence.redis.delivery_log:RedisDeliveryLog"), documents
    )
    # What shutdown closes: the clients in use.
    store_in_use = providers.Selector(persistence, redis=documents, sql=_none, memory=_none)
    cache_in_use = providers.Selector(cache_kind, redis=cache, memory=_none, none=_none)
