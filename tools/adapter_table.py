"""The optional adapters, one entry each: the setting that chooses it, the settings only it reads,
its own files, the distributions only it needs, what it builds on (tools/adapters.py removes them).

Standard library only, like tools/adapters.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Adapter:
    name: str  # the answer's value, and the NAME of its tags
    help: str  # what it is, for the question and the docs
    # The setting and value that choose it (a value ending in "://" is a URL scheme), and the
    # settings only it reads: all gone with it.
    selects: tuple[str, str]
    variables: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()  # files and folders that are its own, deleted with it
    dependencies: tuple[str, ...] = ()  # distributions only it needs (tagged in pyproject.toml)
    requires: tuple[str, ...] = ()  # adapters it builds on: keeping it means keeping them


ADAPTERS = (
    Adapter(
        "webhook",
        "customer notifications as signed JSON posted to a URL",
        selects=("PORTICO_NOTIFIER", "webhook"),
        variables=(
            "PORTICO_NOTIFIER_WEBHOOK_URL",
            "PORTICO_NOTIFIER_WEBHOOK_SECRET",
            "PORTICO_NOTIFIER_TIMEOUT",
        ),
        paths=(
            "src/adapters/notifications/webhook.py",
            "tests/support/webhook_receiver.py",
            "tests/api/ordering/test_order_notifications.py",
            "tests/api/ordering/test_tracing.py",
            "tests/e2e/ordering/test_behind_haproxy.py",
        ),
    ),
    Adapter(
        "http-payments",
        "a payment provider's REST API (ordering), with retries",
        selects=("PORTICO_PAYMENTS", "http"),
        variables=(
            "PORTICO_PAYMENT_PROVIDER_URL",
            "PORTICO_PAYMENT_API_KEY",
            "PORTICO_PAYMENT_TIMEOUT",
            "PORTICO_PAYMENT_ATTEMPTS",
        ),
        paths=(
            "src/adapters/ordering/payments/http.py",
            "tests/support/ordering/payment_provider.py",
            "tests/contract/ordering/test_http_payment_faults.py",
            "tests/contract/ordering/test_payment_breaker.py",
            "tests/api/ordering/test_payment_breaker.py",
            "tests/api/ordering/test_payment_metrics.py",
        ),
    ),
    Adapter(
        "nats",
        "NATS JetStream as the message bus, shared by every process",
        selects=("PORTICO_BUS", "nats"),
        variables=(
            "PORTICO_NATS_URL",
            "PORTICO_NATS_NAMESPACE",
            "PORTICO_NATS_REPLICAS",
            "PORTICO_NATS_TIMEOUT_MS",
        ),
        paths=(
            "src/adapters/messaging/nats.py",
            "src/adapters/messaging/nats_acks.py",
            "src/adapters/messaging/nats_delivery.py",
            "src/adapters/messaging/nats_fetch.py",
            "src/adapters/messaging/nats_listener.py",
            "src/adapters/messaging/nats_publish.py",
            "src/adapters/messaging/nats_pull.py",
            "src/adapters/messaging/nats_streams.py",
            "tests/support/nats.py",
            "tests/support/nats_cluster.py",
            "tests/contract/test_nats_listeners.py",
            "tests/contract/test_nats_concurrent_handling.py",
            "tests/contract/test_nats_consumer_lag.py",
            "tests/contract/test_nats_fetch.py",
            "tests/contract/test_nats_publish_acks.py",
            "tests/unit/test_nats_delivered.py",
            "tests/api/catalog/test_messaging_health.py",
            "tests/api/ordering/test_tracing.py",
            # The multi-process scenarios: events between processes need a shared bus.
            "tests/e2e/catalog/test_cache_across_instances.py",
            "tests/e2e/catalog/test_messaging_faults.py",
            "tests/e2e/catalog/test_metrics_prometheus.py",
            "tests/e2e/catalog/test_worker_database_outage.py",
            "tests/e2e/ordering/test_behind_haproxy.py",
            "tests/e2e/ordering/test_nats_cluster.py",
            "tests/e2e/ordering/test_ordering_e2e.py",
            "tests/e2e/ordering/test_soak.py",
            "tests/e2e/ordering/test_traces_e2e.py",
            "bench/cache_invalidation.py",
            "bench/cache_listener.py",
            "bench/messaging.py",
            "bench/nats_fetch.py",
            "bench/nats_redelivery_count.py",
            "bench/relay_path.py",
            "bench/memory.py",
            "bench/soak.py",
            "bench/soak_stack.py",
            "bench/worker_drain.py",
            # The AsyncAPI document describes the events other services read on the bus.
            "tools/asyncapi.py",
            "docs/api/asyncapi.json",
            "tests/architecture/asyncapi-3.0.0.schema.json",
        ),
        dependencies=("nats-py",),
    ),
    Adapter(
        "mariadb",
        "MariaDB or MySQL as the SQL database (SQLite always stays)",
        # A URL scheme, not a setting value, picks an engine (adapters/persistence/sql/engine.py).
        selects=("PORTICO_DATABASE_URL", "mysql://"),
        paths=(
            "tests/support/mariadb.py",
            "tests/contract/test_mariadb_checkins.py",
            "tests/contract/test_outbox_claim_isolation.py",
            "bench/mariadb_path.py",
        ),
        dependencies=("asyncmy",),
    ),
    Adapter(
        "oidc",
        "access tokens of an external OpenID Connect provider, checked against its JWKS",
        selects=("PORTICO_AUTH", "oidc"),
        variables=(
            "PORTICO_AUTH_OIDC_ISSUER",
            "PORTICO_AUTH_OIDC_AUDIENCE",
            "PORTICO_AUTH_OIDC_ROLES_CLAIM",
            "PORTICO_AUTH_OIDC_JWKS_TTL",
            "PORTICO_AUTH_OIDC_TIMEOUT",
        ),
        # Social sign-in stays without it: its ID tokens are checked by provider_tokens.py, and
        # its loopback provider (tests/support/oidc_provider.py) and tools/oidc/ are its own too.
        paths=("src/adapters/identity/oidc.py", "tests/api/catalog/test_oidc_mode.py"),
    ),
    Adapter(
        "postgresql",
        "PostgreSQL as the SQL database, LISTEN/NOTIFY waking every process (SQLite always stays)",
        # A URL scheme, as for mariadb (adapters/persistence/sql/engine.py).
        selects=("PORTICO_DATABASE_URL", "postgresql://"),
        variables=("PORTICO_POSTGRES_ROW_SECURITY",),
        paths=(
            # LISTEN/NOTIFY: the wake-up between processes (announce and PostgresDoorbell).
            "src/adapters/persistence/sql/notify.py",
            # The query sides on the driver's own calls (products, an order), and their tests.
            "src/adapters/catalog/postgres.py",
            "src/adapters/ordering/postgres.py",
            "src/adapters/ordering/postgres_projections.py",
            "src/adapters/ordering/postgres_orders.py",
            "src/adapters/persistence/sql/driver_sql.py",
            "src/adapters/persistence/sql/driver_transaction.py",
            "tests/contract/catalog/test_postgres_reader.py",
            "tests/contract/test_pool_fairness.py",
            "tests/contract/test_outbox_claim_plan.py",
            "tests/contract/catalog/test_create_on_driver.py",
            "tests/contract/ordering/test_postgres_details.py",
            "tests/contract/ordering/test_postgres_unit_of_work.py",
            "tests/contract/ordering/test_postgres_one_statement_order.py",
            "tests/contract/ordering/test_postgres_one_statement_review.py",
            "tests/api/catalog/test_tracing_postgres.py",
            # Row-level security, the second guard of tenants, and its tests.
            "src/adapters/persistence/sql/row_security.py",
            "tests/contract/catalog/test_row_security.py",
            "tests/contract/ordering/test_row_security.py",
            "tests/e2e/ordering/test_row_security_e2e.py",
            "tests/contract/audit/test_row_security.py",
            "tests/migrations/test_row_security.py",
            "tests/support/row_security.py",
            "tests/support/postgres.py",
            "tests/contract/catalog/test_wakeup.py",
            "tests/contract/ordering/test_projector_on_postgresql.py",
            "tests/contract/test_housekeeping_bounded.py",
            "tests/contract/test_pool_metrics.py",
            "tests/migrations/test_history.py",
            "tests/api/catalog/test_read_replica.py",
            # The e2e scenarios of several processes on one server database.
            "tests/e2e/catalog/test_cache_across_instances.py",
            "tests/e2e/catalog/test_database_outage_serve.py",
            "tests/e2e/catalog/test_metrics_prometheus.py",
            "tests/e2e/catalog/test_worker_database_outage.py",
            "tests/e2e/ordering/test_behind_haproxy.py",
            "tests/e2e/ordering/test_idempotency_after_crash.py",
            "tests/e2e/ordering/test_nats_cluster.py",
            "tests/e2e/ordering/test_ordering_e2e.py",
            "tests/e2e/ordering/test_soak.py",
            "tests/e2e/ordering/test_traces_e2e.py",
            # The benchmarks run on PostgreSQL (bench/floor.py is raw asyncpg).
            "bench/audit_writes.py",
            "bench/bare_request.py",
            "bench/cache_invalidation.py",
            "bench/compare.py",
            "bench/consumers.py",
            "bench/create_request.py",
            "bench/engines.py",
            "bench/event_store.py",
            "bench/floor.py",
            "bench/floor_orders.py",
            "bench/order_request.py",
            "bench/order_seed.py",
            "bench/query_side.py",
            "bench/gc_pause.py",
            "bench/worker_drain.py",
            "bench/idle.py",
            "bench/orders.py",
            "bench/place_order.py",
            "bench/row_security.py",
            "bench/run.py",
            "bench/memory.py",
            "bench/soak.py",
            "bench/soak_stack.py",
            "bench/startup.py",
            "bench/stores.py",
            "bench/stores_http.py",
            "bench/tracing.py",
            "bench/write_path.py",
            "bench/write_statements.py",
            # The one-host stack of many processes around a PostgreSQL service, and its secrets.
            "compose.yaml",
            "deploy/make-secrets.sh",
            "tests/deploy/test_compose.py",
        ),
        dependencies=("asyncpg", "opentelemetry-instrumentation-asyncpg"),
    ),
    Adapter(
        "redis",
        "Redis: the shared cache, shared sign-in limits and sign-ins under way, and a store",
        # PORTICO_CACHE=redis; PORTICO_PERSISTENCE=redis is the same server's store (one adapter:
        # docs/template.md says why).
        selects=("PORTICO_CACHE", "redis"),
        variables=(
            "PORTICO_REDIS_URL",
            "PORTICO_REDIS_POOL_SIZE",
            "PORTICO_REDIS_TIMEOUT_MS",
            "PORTICO_REDIS_STORE_PREFIX",
            "PORTICO_REDIS_STORE_TIMEOUT_MS",
            "PORTICO_REDIS_REQUIRE_AOF",
            "PORTICO_CACHE_BREAKER_FAILURES",
            "PORTICO_CACHE_BREAKER_RESET_MS",
        ),
        paths=(
            "src/adapters/cache/redis.py",
            "src/adapters/cache/redis_client.py",
            "src/adapters/cache/redis_batch.py",
            "src/adapters/persistence/redis",
            "src/adapters/audit/redis.py",
            "src/adapters/catalog/redis.py",
            "src/adapters/identity/redis.py",
            "src/adapters/identity/redis_account_tokens.py",
            "src/adapters/identity/redis_linked.py",
            "src/adapters/identity/redis_second_factors.py",
            "src/adapters/identity/redis_sessions.py",
            "src/adapters/identity/redis_tokens.py",
            "src/adapters/identity/redis_pending_sign_ins.py",
            "src/entrypoints/http/security/redis_rate_limit_store.py",
            "src/entrypoints/platform/redis.py",
            "src/entrypoints/identity/redis.py",
            "src/entrypoints/redis_import.py",
            "tests/support/redis.py",
            "tests/support/redis_sentinel.py",
            "tests/contract/test_redis_cache_outages.py",
            "tests/contract/test_redis_cache_batches.py",
            "tests/unit/test_coalesced.py",
            "tests/contract/test_redis_pool.py",
            "tests/contract/test_redis_sentinel.py",
            "tests/contract/catalog/test_redis_store.py",
            "tests/contract/identity/test_redis_identity.py",
            "tests/api/identity/test_shared_rate_limits.py",
            "tests/e2e/catalog/test_redis_outage.py",
            # The production-like scenarios: PostgreSQL, Redis and NATS, several processes.
            "tests/e2e/ordering/test_behind_haproxy.py",
            "tests/e2e/ordering/test_ordering_e2e.py",
            "tests/e2e/ordering/test_soak.py",
            "bench/memory.py",
            "bench/soak.py",
            "bench/soak_stack.py",
            "bench/stores.py",
            "bench/stores_http.py",
        ),
        dependencies=("redis", "opentelemetry-instrumentation-redis"),
    ),
)
# Files that need any one of several adapters: they go when the last of them goes (a tag or
# `paths` says "when this one goes"). The catalog's outage tests stop a private server of either
# engine; with neither, their parameter set would be empty and pytest would report them skipped.
WHEN_ALL_GONE = {
    ("mariadb", "postgresql"): ("tests/api/catalog/test_database_outages.py",),
}
