"""PlatformContainer: the shared machinery, each part's adapter chosen by the settings.

Contexts receive it as `platform` and build their own adapters on it. The root completes
`after_commit`, `personal_data`, `event_registry`, `probes`, `resources`, `chores` with theirs."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.cache.memory import MemoryCache
from adapters.cache.none import NoCache
from adapters.messaging.memory import MemoryMessageBus
from adapters.system.clock import SystemClock
from adapters.system.ids import Uuid7Generator
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.shared.after_commit import AfterCommit
from application.shared.personal_data import PersonalDataExport
from entrypoints.metrics.api import api_metrics
from entrypoints.metrics.dependencies import dependency_metrics
from entrypoints.platform.builders import (
    build_doorbell,
    build_nats_bus,  # [adapter:nats]
    build_read_through,
    build_relay,
    build_retry_policy,
)
from entrypoints.platform.email import mailer_selector
from entrypoints.platform.maintenance import platform_chores
from entrypoints.platform.probes import bus_probe, database_probe, replica_probe
from entrypoints.platform.redis import RedisContainer  # [adapter:redis]
from entrypoints.platform.stores import StoresContainer
from entrypoints.settings import Settings
from entrypoints.tracing import start_tracing

_none: providers.Object[None] = providers.Object(None)


class PlatformContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    persistence, cache_kind = settings.provided.persistence, settings.provided.cache.backend
    bus_kind = settings.provided.bus.backend

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    tracing = providers.Singleton(start_tracing, settings)  # PORTICO_OTEL_ENABLED: our spans

    metrics = providers.Singleton(api_metrics, settings)  # None with PORTICO_METRICS_PORT=0
    dependency_metrics = providers.Singleton(dependency_metrics, settings)  # pools, cache...
    # Units of work write integration events with their state change (the outbox), and ring.
    event_registry = providers.Singleton(EventRegistry)  # the root adds each context's events
    integration_events = providers.Singleton(IntegrationEvents, event_registry, ids, tracing)
    doorbell = providers.Singleton(build_doorbell, settings)  # wakes the relay and projectors
    # [adapter:redis begin]
    redis = providers.Container(  # the Redis server's cache and store (platform/redis.py)
        RedisContainer,
        settings=settings,
        metrics=dependency_metrics,
        events=integration_events,
        doorbell=doorbell,
    )
    redis_documents, redis_outbox = redis.documents, redis.outbox  # for the contexts' stores
    # [adapter:redis end]

    # Cache: PORTICO_CACHE picks the adapter; reads go through it, commits invalidate it.
    cache = providers.Selector(
        cache_kind,
        none=providers.Singleton(NoCache),
        memory=providers.Singleton(MemoryCache, max_entries=settings.provided.cache.max_entries),
        redis=redis.cache,  # [adapter:redis]
    )
    cache_ttl = providers.Factory(timedelta, seconds=settings.provided.cache.ttl)
    read_through = providers.Singleton(build_read_through, settings, cache, dependency_metrics)
    # In-process reactions to committed events: each context adds its own (the root does).
    after_commit = providers.Singleton(AfterCommit)
    personal_data = providers.Singleton(PersonalDataExport)  # each context's part, for an export

    # Persistence: PORTICO_PERSISTENCE picks the adapters (platform/stores.py), the URLs the server.
    stores = providers.Container(
        StoresContainer,
        settings=settings,
        tracing=tracing,
        metrics=dependency_metrics,
        events=integration_events,
        doorbell=doorbell,
        redis=redis,  # [adapter:redis]
    )
    sql_database, database, event_store = stores.sql_database, stores.database, stores.event_store
    sql_outbox, memory_outbox, outbox = stores.sql_outbox, stores.memory_outbox, stores.outbox
    memory_event_log, idempotency_store = stores.memory_event_log, stores.idempotency_store
    delivery_log, lease = stores.delivery_log, stores.lease

    mailer = mailer_selector(settings)  # PORTICO_EMAIL: mail to people, through their consumers

    # Housekeeping: one process at a time (the lease) forgets what outlived its retention.
    chores = providers.Callable(
        platform_chores, settings, outbox, idempotency_store, database, delivery_log
    )

    # Messaging: PORTICO_BUS picks the bus; the relay moves the outbox onto it.
    retry_policy = providers.Singleton(build_retry_policy, settings)
    bus = providers.Selector(
        bus_kind,
        memory=providers.Singleton(MemoryMessageBus, retry=retry_policy, tracing=tracing),
        nats=providers.Singleton(build_nats_bus, settings, retry_policy, tracing),  # [adapter:nats]
    )
    relay = providers.Singleton(build_relay, settings, outbox, bus, tracing, doorbell)

    # Readiness and shutdown walk the configured adapters that can fail or hold connections.
    probes = providers.Dict(
        database=providers.Selector(
            persistence,
            sql=providers.Factory(database_probe, sql_database),
            redis=redis.store_probe,  # [adapter:redis]
            memory=_none,
        ),
        replica=providers.Factory(
            replica_probe, database, settings.provided.http.readiness_timeout
        ),
        cache=redis.cache_probe,  # [adapter:redis]
        bus=providers.Selector(
            bus_kind,
            # [adapter:nats begin]
            nats=providers.Factory(bus_probe, bus, settings.provided.http.readiness_timeout),
            # [adapter:nats end]
            memory=_none,
        ),
    )
    resources = providers.List(bus, database, mailer, doorbell)
    resources.add_args(redis.store_in_use, redis.cache_in_use)  # [adapter:redis]
