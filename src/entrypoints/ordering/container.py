"""OrderingContainer: event-sourced orders, their projections, payments and notifications."""

from __future__ import annotations

from dependency_injector import providers

from adapters.ordering.memory import MemoryOrderingUnitOfWork
from adapters.ordering.payments.fake import FakePaymentGateway
from adapters.ordering.sql import SqlOrderingUnitOfWork
from application.ordering.cancel_order import CancelOrderHandler
from application.ordering.get_order import GetOrderHandler
from application.ordering.list_orders import ListOrdersHandler
from application.ordering.notify_customer import NotifyCustomer
from application.ordering.order_history import GetOrderAsOfHandler, GetOrderHistoryHandler
from application.ordering.pay_order import PayOrderHandler
from application.ordering.personal_data import CustomerOrders
from application.ordering.place_order import PLACE_ORDER_ONCE, PlaceOrderHandler
from application.ordering.ship_order import ShipOrderHandler
from application.shared.idempotency import Idempotent
from application.shared.projection_lag import ProjectionLagHandler
from application.shared.retry import RetriedOnConflict
from entrypoints.deferred import deferred
from entrypoints.module_container import ModuleContainer, made_once, reacting
from entrypoints.ordering.builders import build_payment_breaker, payments_probe, projections_probe
from entrypoints.ordering.read_side import OrderReadSide
from entrypoints.ordering.tracing import traced_payments

_none: providers.Object[None] = providers.Object(None)


class OrderingContainer(ModuleContainer):
    platform = providers.DependenciesContainer()
    use_cases = (
        *("place_order", "pay_order", "ship_order", "cancel_order", "get_order"),
        *("list_orders", "get_order_history", "get_order_as_of"),
    )
    catalog = providers.DependenciesContainer()  # the stock orders reserve and release
    notifications = providers.DependenciesContainer()
    settings, clock, ids = platform.settings, platform.clock, platform.ids
    events, counts = platform.event_store, platform.dependency_metrics  # counts: None when off

    # Orders reserve and release stock: product reads are invalidated after commit too. Order
    # events (and the stock changes) are integration events: written to the outbox in the
    # same transaction.
    uow = providers.Selector(
        platform.persistence,
        sql=reacting(
            SqlOrderingUnitOfWork,
            database=platform.sql_database,
            outbox=platform.sql_outbox,
            on_committed=platform.after_commit,
        ),
        memory=reacting(
            MemoryOrderingUnitOfWork,
            log=platform.memory_event_log,
            catalog=catalog.memory_store,
            outbox=platform.memory_outbox,
            on_committed=platform.after_commit,
        ),
    )
    units_of_work = made_once(uow)  # what the handlers make their units of work with
    # The queries' side: the projections and their projector (entrypoints/ordering/read_side.py).
    read_side = providers.Container(OrderReadSide, platform=platform)
    summaries, details, projector = read_side.summaries, read_side.details, read_side.projector
    projectors = providers.List(projector)
    personal_data = providers.List(providers.Singleton(CustomerOrders, summaries, details))
    consumers = providers.List(
        providers.Singleton(
            NotifyCustomer,
            notifications.notifier,
            events,
            platform.delivery_log,
            platform.tracing,
        )
    )

    # Payments: PORTICO_PAYMENTS picks the gateway. The http one runs behind a circuit breaker
    # (its `guard=`): a failing provider answers 503 at once instead of holding every request.
    payment_breaker = providers.Singleton(build_payment_breaker, settings, counts)
    payment_gateway = providers.Selector(
        settings.provided.payments.backend,
        fake=providers.Singleton(FakePaymentGateway),
        # [adapter:http-payments begin]
        http=providers.Singleton(
            deferred("adapters.ordering.payments.http:HttpPaymentGateway"),
            base_url=settings.provided.payments.provider_url,
            timeout=settings.provided.payments.timeout,
            attempts=settings.provided.payments.attempts,
            api_key=settings.provided.payments.api_key,
            guard=payment_breaker,
        ),
        # [adapter:http-payments end]
    )
    traced_gateway = providers.Singleton(traced_payments, platform.tracing, payment_gateway, counts)
    resources = providers.List(payment_gateway)

    # POST /orders: rerun on a conflict, and once per Idempotency-Key (composed here).
    place_order = providers.Singleton(
        Idempotent,
        inner=providers.Singleton(
            RetriedOnConflict, providers.Singleton(PlaceOrderHandler, units_of_work, clock, ids)
        ),
        store=platform.idempotency_store,
        clock=clock,
        rules=providers.Object(PLACE_ORDER_ONCE),
    )
    pay_order = providers.Singleton(
        PayOrderHandler, uow=units_of_work, payments=traced_gateway, clock=clock, ids=ids
    )
    ship_order = providers.Singleton(
        RetriedOnConflict, providers.Singleton(ShipOrderHandler, units_of_work, clock, ids)
    )
    cancel_order = providers.Singleton(
        CancelOrderHandler, uow=units_of_work, payments=traced_gateway, clock=clock, ids=ids
    )
    get_order = providers.Singleton(
        GetOrderHandler, details=details, wait_seconds=settings.provided.projections.wait
    )
    list_orders = providers.Singleton(ListOrdersHandler, summaries=summaries)
    get_order_history = providers.Singleton(GetOrderHistoryHandler, events=events)
    get_order_as_of = providers.Singleton(GetOrderAsOfHandler, events=events)
    projection_lag = providers.Singleton(ProjectionLagHandler, projector=projector)

    probes = providers.Dict(
        projections=providers.Factory(
            projections_probe,
            projection_lag,
            settings.provided.projections.lag_degraded,
            settings.provided.http.readiness_timeout,
        ),
        payments=providers.Selector(
            settings.provided.payments.backend,
            http=providers.Factory(payments_probe, payment_breaker),  # [adapter:http-payments]
            fake=_none,
        ),
    )
