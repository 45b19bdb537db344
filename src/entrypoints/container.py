"""The one dependency-injection container: settings choose each port's adapter.

HTTP, the CLI and (later) the worker all build this container; tests override its providers.
"""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.payments.fake import FakePaymentGateway
from adapters.payments.http import HttpPaymentGateway
from adapters.persistence.memory.catalog import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.persistence.memory.event_store import MemoryEventLog, MemoryEventStore
from adapters.persistence.memory.idempotency import MemoryIdempotencyData, MemoryIdempotencyStore
from adapters.persistence.memory.ordering import MemoryOrderingUnitOfWork
from adapters.persistence.memory.projections import (
    MemoryOrderDetailsStore,
    MemoryOrderSummaryStore,
    MemoryProjectionData,
)
from adapters.persistence.sql.catalog import SqlCatalogUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.idempotency import SqlIdempotencyStore
from adapters.persistence.sql.ordering import SqlOrderingUnitOfWork
from adapters.persistence.sql.projections import SqlOrderDetailsStore, SqlOrderSummaryStore
from adapters.system.clock import SystemClock
from adapters.system.ids import Uuid7Generator
from application.catalog.adjust_stock import AdjustStockHandler
from application.catalog.create_product import CreateProductHandler
from application.catalog.delete_product import DeleteProductHandler
from application.catalog.get_product import GetProductHandler
from application.catalog.list_products import ListProductsHandler
from application.catalog.update_product import UpdateProductHandler
from application.ordering.cancel_order import CancelOrderHandler
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.get_order import GetOrderHandler
from application.ordering.list_orders import ListOrdersHandler
from application.ordering.order_history import GetOrderAsOfHandler, GetOrderHistoryHandler
from application.ordering.pay_order import PayOrderHandler
from application.ordering.place_order import PlaceOrderHandler
from application.ordering.place_order_once import PlaceOrderOnceHandler
from application.ordering.projection_lag import ProjectionLagHandler
from application.ordering.projections import fold_details, fold_summary
from application.ordering.projector import Projection, Projector
from application.ordering.ship_order import ShipOrderHandler
from entrypoints.settings import Settings, load_settings


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
    catalog_uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(SqlCatalogUnitOfWork, database=sql_database),
        memory=providers.Factory(MemoryCatalogUnitOfWork, store=memory_catalog_store),
    )

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

    # Ordering: the event store, the unit of work it shares with the catalog, the projections.
    memory_event_log = providers.Singleton(MemoryEventLog)
    memory_projections = providers.Singleton(MemoryProjectionData)
    event_store = providers.Selector(
        settings.provided.persistence,
        sql=providers.Singleton(SqlEventStore, database=sql_database),
        memory=providers.Singleton(MemoryEventStore, log=memory_event_log),
    )
    ordering_uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(SqlOrderingUnitOfWork, database=sql_database),
        memory=providers.Factory(
            MemoryOrderingUnitOfWork, log=memory_event_log, catalog=memory_catalog_store
        ),
    )
    order_summaries = providers.Selector(
        settings.provided.persistence,
        sql=providers.Singleton(SqlOrderSummaryStore, database=sql_database),
        memory=providers.Singleton(MemoryOrderSummaryStore, data=memory_projections),
    )
    order_details = providers.Selector(
        settings.provided.persistence,
        sql=providers.Singleton(SqlOrderDetailsStore, database=sql_database),
        memory=providers.Singleton(MemoryOrderDetailsStore, data=memory_projections),
    )
    order_projector = providers.Singleton(
        Projector,
        events=event_store,
        projections=providers.List(
            providers.Factory(
                Projection, store=order_summaries, fold=providers.Object(fold_summary)
            ),
            providers.Factory(Projection, store=order_details, fold=providers.Object(fold_details)),
        ),
        codec=providers.Object(ORDER_EVENT_CODEC),
    )

    # Payments: PORTICO_PAYMENTS picks the gateway. The http one takes `guard=` (a circuit
    # breaker) when the resilience component is wired in.
    payment_gateway = providers.Selector(
        settings.provided.payments,
        fake=providers.Singleton(FakePaymentGateway),
        http=providers.Singleton(
            HttpPaymentGateway,
            base_url=settings.provided.payment_provider_url,
            timeout=settings.provided.payment_timeout,
            attempts=settings.provided.payment_attempts,
            api_key=settings.provided.payment_api_key,
        ),
    )

    place_order = providers.Singleton(
        PlaceOrderHandler, uow=ordering_uow.provider, clock=clock, ids=ids
    )
    memory_idempotency = providers.Singleton(MemoryIdempotencyData)
    idempotency_store = providers.Selector(
        settings.provided.persistence,
        sql=providers.Singleton(SqlIdempotencyStore, database=sql_database),
        memory=providers.Singleton(MemoryIdempotencyStore, data=memory_idempotency),
    )
    # POST /orders with an Idempotency-Key header.
    place_order_once = providers.Singleton(
        PlaceOrderOnceHandler, place=place_order, store=idempotency_store, clock=clock
    )
    pay_order = providers.Singleton(
        PayOrderHandler, uow=ordering_uow.provider, payments=payment_gateway, clock=clock, ids=ids
    )
    ship_order = providers.Singleton(
        ShipOrderHandler, uow=ordering_uow.provider, clock=clock, ids=ids
    )
    cancel_order = providers.Singleton(
        CancelOrderHandler,
        uow=ordering_uow.provider,
        payments=payment_gateway,
        clock=clock,
        ids=ids,
    )
    get_order = providers.Singleton(
        GetOrderHandler, details=order_details, wait_seconds=settings.provided.projection_wait
    )
    list_orders = providers.Singleton(ListOrdersHandler, summaries=order_summaries)
    get_order_history = providers.Singleton(GetOrderHistoryHandler, events=event_store)
    get_order_as_of = providers.Singleton(GetOrderAsOfHandler, events=event_store)
    projection_lag = providers.Singleton(ProjectionLagHandler, projector=order_projector)


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container


async def close_container(container: Container) -> None:
    """Release what the adapters hold (connection pools); safe to call more than once."""
    settings = container.settings()
    if settings.payments == "http":
        gateway = container.payment_gateway()
        if isinstance(gateway, HttpPaymentGateway):
            await gateway.close()
    if settings.persistence == "sql":
        await container.sql_database().dispose()
