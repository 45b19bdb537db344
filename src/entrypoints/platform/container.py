"""PlatformContainer: the shared machinery, each part's adapter chosen by the settings.

Contexts receive it as `platform` and build their own adapters on it. The root completes
`after_commit`, `personal_data`, `event_registry`, `probes`, `resources`, `chores` with theirs."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.cache.memory import MemoryCache
from adapters.cache.none import NoCache
from adapters.messaging.memory import MemoryMessageBus
from adapters.persistence.memory.event_store import MemoryEventLog, MemoryEventStore
from adapters.persistence.memory.idempotency import MemoryIdempotencyData, MemoryIdempotencyStore
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.redis.outbox import RedisOutbox
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.idempotency import SqlIdempotencyStore
from adapters.persistence.sql.outbox import SqlOutbox
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
    build_redis_cache,
    build_redis_documents,
    build_relay,
    build_retry_policy,
    build_sql_database,
)
from entrypoints.platform.email import mailer_selector
from entrypoints.platform.maintenance import build_delivery_log, build_lease, platform_chores
from entrypoints.platform.probes import bus_probe, cache_probe, database_probe, replica_probe
from entrypoints.platform.probes import store_probe as redis_probe
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

    # Cache: PORTICO_CACHE picks the adapter; reads go through it, commits invalidate it.
    metrics = providers.Singleton(api_metrics, settings)  # None with PORTICO_METRICS_PORT=0
    dependency_metrics = providers.Singleton(dependency_metrics, settings)  # pools, cache...
    redis_cache = providers.Singleton(build_redis_cache, settings, dependency_metrics)
    cache = providers.Selector(
        cache_kind,
        none=providers.Singleton(NoCache),
        memory=providers.Singleton(MemoryCache, max_entries=settings.provided.cache.max_entries),
        redis=redis_cache,
    )
    cache_ttl = providers.Factory(timedelta, seconds=settings.provided.cache.ttl)
    read_through = providers.Singleton(build_read_through, settings, cache, dependency_metrics)
    # In-process reactions to committed events: each context adds its own (the root does).
    after_commit = providers.Singleton(AfterCommit)
    personal_data = providers.Singleton(PersonalDataExport)  # each context's part, for an export

    # Persistence: PORTICO_PERSISTENCE picks the adapter (docs/persistence.md), the URLs the server.
    sql_database = providers.Singleton(build_sql_database, tracing, settings, dependency_metrics)
    database = providers.Selector(persistence, sql=sql_database, memory=_none, redis=_none)
    redis_documents = providers.Singleton(build_redis_documents, settings)
    documents = providers.Selector(persistence, redis=redis_documents, sql=_none, memory=_none)

    # The outbox: units of work write integration events with their state change, and ring.
    event_registry = providers.Singleton(EventRegistry)  # the root adds each context's events
    integration_events = providers.Singleton(IntegrationEvents, event_registry, ids, tracing)
    doorbell = providers.Singleton(build_doorbell, settings)  # wakes the relay and projectors
    sql_outbox = providers.Singleton(SqlOutbox, sql_database, integration_events, doorbell)
    memory_outbox = providers.Singleton(MemoryOutbox, integration_events, doorbell)
    redis_outbox = providers.Singleton(RedisOutbox, redis_documents, integration_events, doorbell)
    outbox = providers.Selector(
        persistence, sql=sql_outbox, memory=memory_outbox, redis=redis_outbox
    )

    # The event store of event-sourced aggregates; the idempotency keys of retried commands.
    # Neither has a Redis adapter: contexts that need them refuse redis (Module.stores).
    memory_event_log = providers.Singleton(MemoryEventLog)  # shared with memory units of work
    event_store = providers.Selector(
        persistence,
        sql=providers.Singleton(SqlEventStore, sql_database, doorbell),
        memory=providers.Singleton(MemoryEventStore, log=memory_event_log),
        redis=_none,
    )
    memory_idempotency_data = providers.Singleton(MemoryIdempotencyData)
    idempotency_store = providers.Selector(
        persistence,
        sql=providers.Singleton(SqlIdempotencyStore, database=sql_database),
        memory=providers.Singleton(MemoryIdempotencyStore, data=memory_idempotency_data),
        redis=_none,
    )

    # What consumers with an outside effect (a mail) did: a repeat after a lost ack is dropped.
    delivery_log = providers.Singleton(build_delivery_log, database, documents)

    mailer = mailer_selector(settings)  # PORTICO_EMAIL: mail to people, through their consumers

    # Housekeeping: one process at a time (the lease) forgets what outlived its retention.
    lease = providers.Singleton(build_lease, database, documents)
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
            redis=providers.Factory(redis_probe, redis_documents),
            memory=_none,
        ),
        replica=providers.Factory(replica_probe, database),
        cache=providers.Selector(
            cache_kind, redis=providers.Factory(cache_probe, redis_cache), memory=_none, none=_none
        ),
        bus=providers.Selector(
            bus_kind,
            # [adapter:nats begin]
            nats=providers.Factory(bus_probe, bus, settings.provided.http.readiness_timeout),
            # [adapter:nats end]
            memory=_none,
        ),
    )
    redis_cache_in_use = providers.Selector(cache_kind, redis=redis_cache, memory=_none, none=_none)
    resources = providers.List(bus, database, mailer, documents, redis_cache_in_use, doorbell)
