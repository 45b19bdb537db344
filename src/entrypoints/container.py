"""The one dependency-injection container: settings choose each port's adapter.

HTTP, the CLI and the worker all build this container; tests override its providers.
"""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.messaging.memory import MemoryMessageBus
from adapters.messaging.nats import NatsMessageBus
from adapters.messaging.retry import RetryPolicy
from adapters.persistence.memory.audit import MemoryAuditStore, MemoryAuditUnitOfWork
from adapters.persistence.memory.catalog import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.sql.audit import SqlAuditUnitOfWork
from adapters.persistence.sql.catalog import SqlCatalogUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.system.clock import SystemClock
from adapters.system.ids import Uuid7Generator
from application.audit.list_entries import ListAuditEntriesHandler
from application.audit.record_change import RecordChange
from application.catalog.adjust_stock import AdjustStockHandler
from application.catalog.create_product import CreateProductHandler
from application.catalog.delete_product import DeleteProductHandler
from application.catalog.get_product import GetProductHandler
from application.catalog.integration_events import register_catalog_events
from application.catalog.list_products import ListProductsHandler
from application.catalog.update_product import UpdateProductHandler
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.messaging.relay import OutboxRelay
from entrypoints.settings import Settings, load_settings


def build_event_registry() -> EventRegistry:
    """Every context's published event types (one line per context)."""
    registry = EventRegistry()
    register_catalog_events(registry)
    return registry


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(load_settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)

    # Persistence: PORTICO_PERSISTENCE picks the adapter; for sql, PORTICO_DATABASE_URL the engine.
    sql_database = providers.Singleton(
        SqlDatabase,
        url=settings.provided.database_url,
        pool_size=settings.provided.database_pool_size,
        echo=settings.provided.database_echo,
    )
    memory_catalog_store = providers.Singleton(MemoryCatalogStore)

    # The outbox: units of work write integration events with their state change.
    event_registry = providers.Singleton(build_event_registry)
    integration_events = providers.Singleton(IntegrationEvents, registry=event_registry, ids=ids)
    sql_outbox = providers.Singleton(SqlOutbox, database=sql_database, events=integration_events)
    memory_outbox = providers.Singleton(MemoryOutbox, events=integration_events)
    outbox = providers.Selector(settings.provided.persistence, sql=sql_outbox, memory=memory_outbox)

    catalog_uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(SqlCatalogUnitOfWork, database=sql_database, outbox=sql_outbox),
        memory=providers.Factory(
            MemoryCatalogUnitOfWork, store=memory_catalog_store, outbox=memory_outbox
        ),
    )
    memory_audit_store = providers.Singleton(MemoryAuditStore)
    audit_uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(SqlAuditUnitOfWork, database=sql_database),
        memory=providers.Factory(MemoryAuditUnitOfWork, store=memory_audit_store),
    )

    # Messaging: PORTICO_BUS picks the bus; the relay moves the outbox onto it.
    retry_policy = providers.Singleton(
        RetryPolicy,
        max_deliveries=settings.provided.bus_max_deliveries,
        first_delay=settings.provided.bus_retry_delay,
        ack_wait=settings.provided.bus_ack_wait,
    )
    bus = providers.Selector(
        settings.provided.bus,
        memory=providers.Singleton(MemoryMessageBus, retry=retry_policy),
        nats=providers.Singleton(
            NatsMessageBus,
            url=settings.provided.nats_url,
            namespace=settings.provided.nats_namespace,
            retry=retry_policy,
        ),
    )
    relay = providers.Singleton(
        OutboxRelay,
        outbox=outbox,
        bus=bus,
        batch_size=settings.provided.outbox_batch_size,
        poll_interval=settings.provided.outbox_poll_interval,
        retry_delay=settings.provided.bus_retry_delay,
    )
    # Consumers of integration events: every worker runs each one listed in `consumers`.
    audit_consumer = providers.Singleton(RecordChange, uow=audit_uow.provider)
    consumers = providers.List(audit_consumer)

    # Use cases: stateless, so one instance each.
    create_product = providers.Singleton(
        CreateProductHandler, uow=catalog_uow.provider, clock=clock, ids=ids
    )
    update_product = providers.Singleton(
        UpdateProductHandler, uow=catalog_uow.provider, clock=clock
    )
    adjust_stock = providers.Singleton(AdjustStockHandler, uow=catalog_uow.provider, clock=clock)
    delete_product = providers.Singleton(
        DeleteProductHandler, uow=catalog_uow.provider, clock=clock
    )
    get_product = providers.Singleton(GetProductHandler, uow=catalog_uow.provider)
    list_products = providers.Singleton(ListProductsHandler, uow=catalog_uow.provider)
    list_audit_entries = providers.Singleton(ListAuditEntriesHandler, uow=audit_uow.provider)


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container


async def close_container(container: Container) -> None:
    """Release what the adapters hold (connections, pools); safe to call more than once."""
    await container.bus().close()
    if container.settings().persistence == "sql":
        await container.sql_database().dispose()
