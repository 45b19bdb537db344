"""The one dependency-injection container: settings choose each port's adapter.

HTTP, the CLI and the worker all build this container; tests override its providers.
"""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers
from litestar.stores.memory import MemoryStore

from adapters.auth.argon2 import Argon2PasswordHasher
from adapters.auth.local import LocalTokenIssuer, LocalTokenVerifier
from adapters.auth.oidc import OidcTokenVerifier
from adapters.auth.verified_tokens import CachedTokenVerifier
from adapters.cache.memory import MemoryCache
from adapters.cache.none import NoCache
from adapters.messaging.memory import MemoryMessageBus
from adapters.messaging.nats import NatsMessageBus
from adapters.messaging.retry import RetryPolicy
from adapters.notifications.log import LogNotifier
from adapters.notifications.webhook import WebhookNotifier
from adapters.payments.fake import FakePaymentGateway
from adapters.payments.http import HttpPaymentGateway
from adapters.persistence.memory.audit import MemoryAuditStore, MemoryAuditUnitOfWork
from adapters.persistence.memory.catalog import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.persistence.memory.event_store import MemoryEventLog, MemoryEventStore
from adapters.persistence.memory.idempotency import MemoryIdempotencyData, MemoryIdempotencyStore
from adapters.persistence.memory.identity import MemoryIdentityStore, MemoryIdentityUnitOfWork
from adapters.persistence.memory.ordering import MemoryOrderingUnitOfWork
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.memory.projections import (
    MemoryOrderDetailsStore,
    MemoryOrderSummaryStore,
    MemoryProjectionData,
)
from adapters.persistence.sql.audit import SqlAuditUnitOfWork
from adapters.persistence.sql.catalog import SqlCatalogUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.idempotency import SqlIdempotencyStore
from adapters.persistence.sql.identity import SqlIdentityUnitOfWork
from adapters.persistence.sql.ordering import SqlOrderingUnitOfWork
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.projections import SqlOrderDetailsStore, SqlOrderSummaryStore
from adapters.system.clock import SystemClock
from adapters.system.ids import Uuid7Generator
from application.audit.list_entries import ListAuditEntriesHandler
from application.audit.record_change import RecordChange
from application.catalog.adjust_stock import AdjustStockHandler
from application.catalog.create_product import CreateProductHandler
from application.catalog.delete_product import DeleteProductHandler
from application.catalog.get_product import GetProductHandler
from application.catalog.invalidate_cache import ForgetChangedProducts
from application.catalog.list_products import ListProductsHandler
from application.catalog.read_cache import CatalogReadCache
from application.catalog.update_product import UpdateProductHandler
from application.identity.access_revocations import AccessRevocations
from application.identity.authenticate import AuthenticateHandler
from application.identity.change_password import ChangePasswordHandler
from application.identity.change_user_access import ChangeUserAccessHandler
from application.identity.get_me import GetMeHandler
from application.identity.get_user import GetUserHandler
from application.identity.list_users import ListUsersHandler
from application.identity.login import LoginHandler
from application.identity.logout import LogoutHandler
from application.identity.refresh import RefreshHandler
from application.identity.register_user import RegisterUserHandler
from application.messaging.registry import IntegrationEvents
from application.messaging.relay import OutboxRelay
from application.ordering.cancel_order import CancelOrderHandler
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.get_order import GetOrderHandler
from application.ordering.list_orders import ListOrdersHandler
from application.ordering.notify_customer import NotifyCustomer
from application.ordering.order_history import GetOrderAsOfHandler, GetOrderHistoryHandler
from application.ordering.pay_order import PayOrderHandler
from application.ordering.place_order import PlaceOrderHandler
from application.ordering.place_order_once import PlaceOrderOnceHandler
from application.ordering.projection_lag import ProjectionLagHandler
from application.ordering.projections import fold_details, fold_summary
from application.ordering.projector import Projection, Projector
from application.ordering.ship_order import ShipOrderHandler
from application.shared.after_commit import AfterCommit
from application.shared.read_through import ReadThrough
from entrypoints.adapter_builders import (
    build_event_registry,
    build_payment_breaker,
    build_rate_limit_store,
    build_redis_cache,
    key_ring,
    revocation_window,
    seconds,
    uses_cache,
)
from entrypoints.http.security.rate_limit_store import SharedRateLimitStore
from entrypoints.settings import Settings, load_settings


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(load_settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)

    # Cache: PORTICO_CACHE picks the adapter; reads go through it, commits invalidate it.
    redis_cache = providers.Singleton(build_redis_cache, settings)
    cache = providers.Selector(
        settings.provided.cache,
        none=providers.Singleton(NoCache),
        memory=providers.Singleton(MemoryCache, max_entries=settings.provided.cache_max_entries),
        redis=redis_cache,
    )
    cache_ttl = providers.Factory(timedelta, seconds=settings.provided.cache_ttl)
    # With no cache, no single flight either: every read reaches the database.
    read_through = providers.Singleton(
        ReadThrough, cache=cache, single_flight=providers.Callable(uses_cache, settings)
    )
    catalog_read_cache = providers.Singleton(CatalogReadCache, reads=read_through)
    after_commit = providers.Singleton(AfterCommit, catalog_read_cache.provided.on_committed)

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

    # Units of work that change state carry `on_committed`: reactions after every commit.
    catalog_uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(
            SqlCatalogUnitOfWork, database=sql_database, outbox=sql_outbox
        ).add_attributes(on_committed=after_commit),
        memory=providers.Factory(
            MemoryCatalogUnitOfWork, store=memory_catalog_store, outbox=memory_outbox
        ).add_attributes(on_committed=after_commit),
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
    audit_consumer = providers.Singleton(RecordChange, uow=audit_uow.provider)
    # Listeners: every API process runs each one for itself, with its own copy of every event
    # (MessageBus.listen); `portico serve` runs them when Settings.listens_for_cache_invalidation.
    cache_invalidator = providers.Singleton(ForgetChangedProducts, read_cache=catalog_read_cache)
    listeners = providers.List(cache_invalidator)

    memory_identity_store = providers.Singleton(MemoryIdentityStore)
    identity_uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(SqlIdentityUnitOfWork, database=sql_database),
        memory=providers.Factory(MemoryIdentityUnitOfWork, store=memory_identity_store),
    )

    # Identity and access: PORTICO_AUTH picks who issues the access tokens we accept.
    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.password_time_cost,
        memory_kib=settings.provided.password_memory_kib,
        parallelism=settings.provided.password_parallelism,
    )
    signing_keys = providers.Singleton(key_ring, settings)
    token_issuer = providers.Singleton(
        LocalTokenIssuer,
        keys=signing_keys,
        clock=clock,
        issuer=settings.provided.auth_issuer,
        audience=settings.provided.auth_audience,
        lifetime_seconds=settings.provided.auth_access_token_ttl,
    )
    signature_verifier = providers.Selector(
        settings.provided.auth,
        local=providers.Singleton(
            LocalTokenVerifier,
            keys=signing_keys,
            clock=clock,
            issuer=settings.provided.auth_issuer,
            audience=settings.provided.auth_audience,
            leeway=settings.provided.auth_leeway,
        ),
        oidc=providers.Singleton(
            OidcTokenVerifier,
            issuer=settings.provided.auth_oidc_issuer,
            audience=settings.provided.auth_oidc_audience,
            clock=clock,
            roles_claim=settings.provided.auth_oidc_roles_claim,
            jwks_ttl=settings.provided.auth_oidc_jwks_ttl,
            timeout=settings.provided.auth_oidc_timeout,
            leeway=settings.provided.auth_leeway,
        ),
    )
    token_verifier = providers.Singleton(
        CachedTokenVerifier,
        inner=signature_verifier,
        clock=clock,
        max_entries=settings.provided.auth_token_cache_size,
    )
    access_revocations = providers.Singleton(
        AccessRevocations,
        uow=identity_uow.provider,
        clock=clock,
        keep_for=providers.Callable(revocation_window, settings),
    )
    refresh_lifetime = providers.Callable(seconds, settings.provided.auth_refresh_token_ttl)
    # Rate-limit counters (Litestar's store API): shared in Redis when the cache is, so the
    # limits hold across processes; per process otherwise.
    rate_limit_store = providers.Selector(
        settings.provided.cache,
        none=providers.Singleton(MemoryStore),
        memory=providers.Singleton(MemoryStore),
        redis=providers.Singleton(build_rate_limit_store, settings),
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
    get_product = providers.Singleton(
        GetProductHandler, uow=catalog_uow.provider, reads=read_through, ttl=cache_ttl
    )
    list_products = providers.Singleton(
        ListProductsHandler, uow=catalog_uow.provider, reads=read_through, ttl=cache_ttl
    )

    register_user = providers.Singleton(
        RegisterUserHandler, uow=identity_uow.provider, hasher=password_hasher, clock=clock, ids=ids
    )
    login = providers.Singleton(
        LoginHandler,
        uow=identity_uow.provider,
        hasher=password_hasher,
        issuer=token_issuer,
        clock=clock,
        ids=ids,
        refresh_lifetime=refresh_lifetime,
    )
    refresh_session = providers.Singleton(
        RefreshHandler,
        uow=identity_uow.provider,
        issuer=token_issuer,
        clock=clock,
        ids=ids,
        refresh_lifetime=refresh_lifetime,
    )
    logout = providers.Singleton(LogoutHandler, uow=identity_uow.provider, clock=clock)
    authenticate = providers.Singleton(
        AuthenticateHandler, verifier=token_verifier, revocations=access_revocations
    )
    get_me = providers.Singleton(GetMeHandler, uow=identity_uow.provider)
    get_user = providers.Singleton(GetUserHandler, uow=identity_uow.provider)
    list_users = providers.Singleton(ListUsersHandler, uow=identity_uow.provider)
    change_user_access = providers.Singleton(
        ChangeUserAccessHandler,
        uow=identity_uow.provider,
        clock=clock,
        revocations=access_revocations,
    )
    change_password = providers.Singleton(
        ChangePasswordHandler,
        uow=identity_uow.provider,
        hasher=password_hasher,
        clock=clock,
        revocations=access_revocations,
    )

    # Ordering: the event store, the unit of work it shares with the catalog, the projections.
    memory_event_log = providers.Singleton(MemoryEventLog)
    memory_projections = providers.Singleton(MemoryProjectionData)
    event_store = providers.Selector(
        settings.provided.persistence,
        sql=providers.Singleton(SqlEventStore, database=sql_database),
        memory=providers.Singleton(MemoryEventStore, log=memory_event_log),
    )

    # Consumers of integration events: every worker runs each one listed in `consumers`.
    # PORTICO_NOTIFIER picks how customers hear about their orders.
    notifier = providers.Selector(
        settings.provided.notifier,
        log=providers.Singleton(LogNotifier),
        webhook=providers.Singleton(
            WebhookNotifier,
            url=settings.provided.notifier_webhook_url,
            secret=settings.provided.notifier_webhook_secret,
            timeout=settings.provided.notifier_timeout,
        ),
    )
    notify_customer = providers.Singleton(NotifyCustomer, notifier=notifier, events=event_store)
    consumers = providers.List(audit_consumer, notify_customer)

    ordering_uow = providers.Selector(
        settings.provided.persistence,
        # Orders reserve and release stock: product reads are invalidated after commit too.
        # Order events (and the stock changes) are integration events: written to the outbox
        # in the same transaction.
        sql=providers.Factory(
            SqlOrderingUnitOfWork, database=sql_database, outbox=sql_outbox
        ).add_attributes(on_committed=after_commit),
        memory=providers.Factory(
            MemoryOrderingUnitOfWork,
            log=memory_event_log,
            catalog=memory_catalog_store,
            outbox=memory_outbox,
        ).add_attributes(on_committed=after_commit),
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

    # Payments: PORTICO_PAYMENTS picks the gateway. The http one runs behind a circuit breaker
    # (its `guard=`): a failing provider answers 503 at once instead of holding every request.
    payment_breaker = providers.Singleton(build_payment_breaker, settings)
    payment_gateway = providers.Selector(
        settings.provided.payments,
        fake=providers.Singleton(FakePaymentGateway),
        http=providers.Singleton(
            HttpPaymentGateway,
            base_url=settings.provided.payment_provider_url,
            timeout=settings.provided.payment_timeout,
            attempts=settings.provided.payment_attempts,
            api_key=settings.provided.payment_api_key,
            guard=payment_breaker,
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
    list_audit_entries = providers.Singleton(ListAuditEntriesHandler, uow=audit_uow.provider)


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container


async def close_container(container: Container) -> None:
    """Release what the adapters hold (connections, pools); safe to call more than once."""
    settings = container.settings()
    await container.bus().close()
    await container.token_verifier().close()
    if settings.payments == "http":
        gateway = container.payment_gateway()
        if isinstance(gateway, HttpPaymentGateway):
            await gateway.close()
    if settings.notifier == "webhook":
        notifier = container.notifier()
        if isinstance(notifier, WebhookNotifier):
            await notifier.close()
    if settings.persistence == "sql":
        await container.sql_database().dispose()
    if settings.cache == "redis":
        await container.redis_cache().close()
        rate_limits = container.rate_limit_store()
        if isinstance(rate_limits, SharedRateLimitStore):
            await rate_limits.close()
