"""StoresContainer: the platform's parts that live in the store PORTICO_PERSISTENCE picks
(docs/persistence.md), each chosen in its Selector table: the database, the outbox, the event
store, the idempotency keys, the delivery log and the lease.

PlatformContainer builds it and passes its parts on (entrypoints/platform/container.py)."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.persistence.memory.delivery_log import MemoryDeliveryLog
from adapters.persistence.memory.event_store import MemoryEventLog, MemoryEventStore
from adapters.persistence.memory.idempotency import MemoryIdempotencyData, MemoryIdempotencyStore
from adapters.persistence.memory.lease import MemoryLease
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.sql.delivery_log import SqlDeliveryLog
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.idempotency import SqlIdempotencyStore
from adapters.persistence.sql.lease import SqlLease
from adapters.persistence.sql.outbox import SqlOutbox
from application.messaging.registry import IntegrationEvents
from application.shared.ports.tracing import Tracing
from application.shared.ports.wakeup import Doorbell
from entrypoints.metrics.dependencies import DependencyMetrics
from entrypoints.platform.builders import build_sql_database
from entrypoints.settings import Settings

_none: providers.Object[None] = providers.Object(None)


def _keeps_sent(settings: Settings) -> bool:
    """A retention of 0: the relay deletes the rows it sent, none is left for housekeeping."""
    return settings.maintenance.outbox_retention > 0


class StoresContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    # The platform's: the tracing (up before the engine), the metrics (None when off), the
    # integration events the outboxes write, the doorbell that wakes the relay after a commit.
    tracing: providers.Dependency[Tracing] = providers.Dependency()
    metrics: providers.Dependency[DependencyMetrics | None] = providers.Dependency()
    events = providers.Dependency(instance_of=IntegrationEvents)
    doorbell: providers.Dependency[Doorbell] = providers.Dependency()
    redis = providers.DependenciesContainer()  # [adapter:redis]
    persistence = settings.provided.persistence

    sql_database = providers.Singleton(build_sql_database, tracing, settings, metrics)
    database = providers.Selector(
        persistence,
        sql=sql_database,
        memory=_none,
        redis=_none,  # [adapter:redis]
    )

    # The outbox: units of work write integration events with their state change, and ring.
    keep_sent = providers.Callable(_keeps_sent, settings)
    sql_outbox = providers.Singleton(SqlOutbox, sql_database, events, doorbell, keep_sent)
    memory_outbox = providers.Singleton(MemoryOutbox, events, doorbell)
    outbox = providers.Selector(
        persistence,
        sql=sql_outbox,
        memory=memory_outbox,
        redis=redis.outbox,  # [adapter:redis]
    )

    # The event store of event-sourced aggregates; the idempotency keys of retried commands.
    memory_event_log = providers.Singleton(MemoryEventLog)  # shared with memory units of work
    event_store = providers.Selector(
        persistence,
        sql=providers.Singleton(SqlEventStore, sql_database, doorbell),
        memory=providers.Singleton(MemoryEventStore, log=memory_event_log),
        redis=_none,  # none on Redis: contexts that need it refuse redis  # [adapter:redis]
    )
    memory_idempotency_data = providers.Singleton(MemoryIdempotencyData)
    idempotency_store = providers.Selector(
        persistence,
        sql=providers.Singleton(SqlIdempotencyStore, database=sql_database),
        memory=providers.Singleton(MemoryIdempotencyStore, data=memory_idempotency_data),
        redis=_none,  # none on Redis: contexts that need it refuse redis  # [adapter:redis]
    )

    # What consumers with an outside effect (a mail) did: a repeat after a lost ack is dropped.
    delivery_log = providers.Selector(
        persistence,
        sql=providers.Singleton(SqlDeliveryLog, sql_database),  # beside the inbox's table
        memory=providers.Singleton(MemoryDeliveryLog),  # this process's
        redis=redis.delivery_log,  # [adapter:redis]
    )
    # One process at a time (the lease) runs the housekeeping.
    lease = providers.Selector(
        persistence,
        sql=providers.Singleton(SqlLease, sql_database),
        memory=providers.Singleton(MemoryLease),  # memory persistence: one process
        redis=redis.lease,  # [adapter:redis]
    )
