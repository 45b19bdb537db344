"""How the platform builds the adapters that need more than their settings passed through."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from adapters.messaging.retry import RetryPolicy
from adapters.persistence.doorbell import InProcessDoorbell
from adapters.persistence.sql.database import SqlDatabase
from application.messaging.relay import OutboxRelay
from application.shared.ports.cache import Cache
from application.shared.ports.messaging import MessageBus
from application.shared.ports.outbox import Outbox
from application.shared.ports.tracing import Tracing
from application.shared.ports.wakeup import Doorbell
from application.shared.read_through import ReadThrough
from entrypoints.metrics.dependencies import DependencyMetrics
from entrypoints.settings import Settings
from entrypoints.tracing import trace_database


def uses_cache(settings: Settings) -> bool:
    return settings.cache.backend != "none"


def build_read_through(
    settings: Settings, cache: Cache, metrics: DependencyMetrics | None = None
) -> ReadThrough:
    """With no cache, no single flight either (every read reaches the database), and no hits
    or misses to count."""
    cached = uses_cache(settings)
    return ReadThrough(cache, single_flight=cached, observer=metrics if cached else None)


def build_sql_database(
    tracing: Tracing, settings: Settings, metrics: DependencyMetrics | None = None
) -> SqlDatabase:
    """PORTICO_DATABASE_URL's database; `tracing` first, so the SDK is up before the engine."""
    engine = open_sql_database(settings)
    if metrics is not None:
        engine.observe_pool(metrics)
    return trace_database(tracing, engine)


def open_sql_database(settings: Settings) -> SqlDatabase:
    """The database the settings name, untraced and uncounted: serve's start-up check pings it."""
    database = settings.database
    return SqlDatabase(
        database.url,
        pool_size=database.pool_size,
        pool_timeout=database.pool_timeout_ms / 1000,
        echo=database.echo,
        read_url=database.read_url,
        row_security=database.row_security,  # [adapter:postgresql]
    )


def build_retry_policy(settings: Settings) -> RetryPolicy:
    bus = settings.bus
    return RetryPolicy(
        max_deliveries=bus.max_deliveries, first_delay=bus.retry_delay, ack_wait=bus.ack_wait
    )


# [adapter:nats begin]
def build_nats_bus(settings: Settings, retry: RetryPolicy, tracing: Tracing) -> MessageBus:
    from adapters.messaging.nats import NatsMessageBus  # only when PORTICO_BUS=nats picks it

    bus = settings.bus
    return NatsMessageBus(
        servers=bus.nats_url,
        namespace=bus.nats_namespace,
        replicas=bus.nats_replicas,
        consumer_concurrency=bus.consumer_concurrency,
        timeout=bus.nats_timeout_ms / 1000,
        retry=retry,
        tracing=tracing,
    )


# [adapter:nats end]


def build_doorbell(settings: Settings) -> Doorbell:
    """What wakes the relay and the projectors after a commit: PostgreSQL's LISTEN/NOTIFY on a
    PostgreSQL store (every process hears every commit), else this process's commits only."""
    # [adapter:postgresql begin]
    backend = make_url(settings.database.url).get_backend_name()
    if settings.persistence == "sql" and backend == "postgresql":
        from adapters.persistence.sql.notify import PostgresDoorbell

        return PostgresDoorbell(settings.database.url)
    # [adapter:postgresql end]
    return InProcessDoorbell()


def idle_poll_interval(settings: Settings, doorbell: Doorbell) -> float:
    """How far the safety-net poll backs off while idle: to PORTICO_OUTBOX_IDLE_POLL_INTERVAL
    where every commit that leaves work rings (across processes, or the API process relays and
    projects its own commits); a separate worker that no other process can ring (SQLite,
    MariaDB, Redis) keeps polling every PORTICO_OUTBOX_POLL_INTERVAL."""
    if doorbell.reaches_other_processes or settings.runs_worker_in_process:
        return settings.outbox.idle_poll_interval
    return settings.outbox.poll_interval


def build_relay(
    settings: Settings, outbox: Outbox, bus: MessageBus, tracing: Tracing, doorbell: Doorbell
) -> OutboxRelay:
    """The relay from the outbox to the bus, paced by PORTICO_OUTBOX_*."""
    return OutboxRelay(
        outbox=outbox,
        bus=bus,
        batch_size=settings.outbox.batch_size,
        poll_interval=settings.outbox.poll_interval,
        idle_poll_interval=idle_poll_interval(settings, doorbell),
        linger=settings.outbox.linger,
        retry_delay=settings.bus.retry_delay,
        tracing=tracing,
    )
