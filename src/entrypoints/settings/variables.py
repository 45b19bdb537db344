"""The PORTICO_* variables: one table from each variable to its place in Settings.

Loading, error messages and the documentation checks all derive from this table, so a setting
has exactly one environment name. Dotted paths name a group and its field; a bare name is a
top-level setting.
"""

from __future__ import annotations

PREFIX = "PORTICO_"

VARIABLES: dict[str, str] = {
    "PORTICO_ENVIRONMENT": "environment",
    "PORTICO_PERSISTENCE": "persistence",
    "PORTICO_BACKGROUND": "background",
    # http
    "PORTICO_HOST": "http.host",
    "PORTICO_PORT": "http.port",
    "PORTICO_WORKERS": "http.workers",
    "PORTICO_MAX_BODY_SIZE": "http.max_body_size",
    "PORTICO_STOP_TIMEOUT": "http.stop_timeout",
    "PORTICO_READINESS_TIMEOUT": "http.readiness_timeout",
    "PORTICO_CORS_ORIGINS": "http.cors_origins",
    "PORTICO_HSTS": "http.hsts",
    "PORTICO_TRUSTED_PROXIES": "http.trusted_proxies",
    "PORTICO_PROFILING": "http.profiling",
    # logging
    "PORTICO_LOG_LEVEL": "logging.level",
    "PORTICO_LOG_FORMAT": "logging.format",
    "PORTICO_ACCESS_LOG": "logging.access_log",
    "PORTICO_SENTRY_DSN": "logging.sentry_dsn",
    # metrics
    "PORTICO_METRICS_PORT": "metrics.port",
    "PORTICO_METRICS_HOST": "metrics.host",
    # tracing
    "PORTICO_OTEL_ENABLED": "tracing.enabled",
    "PORTICO_OTEL_ENDPOINT": "tracing.endpoint",
    "PORTICO_OTEL_SERVICE_NAME": "tracing.service_name",
    "PORTICO_OTEL_SAMPLE_RATIO": "tracing.sample_ratio",
    # database
    "PORTICO_DATABASE_URL": "database.url",
    "PORTICO_DATABASE_READ_URL": "database.read_url",
    "PORTICO_DATABASE_POOL_SIZE": "database.pool_size",
    "PORTICO_DATABASE_POOL_TIMEOUT_MS": "database.pool_timeout_ms",
    "PORTICO_DATABASE_ECHO": "database.echo",
    "PORTICO_POSTGRES_ROW_SECURITY": "database.row_security",  # [adapter:postgresql]
    # auth
    "PORTICO_AUTH": "auth.mode",
    "PORTICO_AUTH_ISSUER": "auth.issuer",
    "PORTICO_AUTH_AUDIENCE": "auth.audience",
    "PORTICO_AUTH_ACCESS_TOKEN_TTL": "auth.access_token_ttl",
    "PORTICO_AUTH_REFRESH_TOKEN_TTL": "auth.refresh_token_ttl",
    "PORTICO_AUTH_LEEWAY": "auth.leeway",
    "PORTICO_AUTH_SIGNING_KEYS": "auth.signing_keys",
    "PORTICO_AUTH_SIGNING_KID": "auth.signing_kid",
    "PORTICO_AUTH_DEV_KEY_FILE": "auth.dev_key_file",
    "PORTICO_AUTH_TOKEN_CACHE_SIZE": "auth.token_cache_size",
    "PORTICO_AUTH_REVOCATION_SYNC": "auth.revocation_sync",
    "PORTICO_RATE_LIMIT_AUTH_PER_MINUTE": "auth.rate_limit_per_minute",
    "PORTICO_LOGIN_FAILURES_PER_ACCOUNT": "auth.login_failures_per_account",
    "PORTICO_LOGIN_LOCKOUT_SECONDS": "auth.login_lockout_seconds",
    "PORTICO_UNVERIFIED_SIGN_IN": "auth.unverified_sign_in",
    "PORTICO_EMAIL_VERIFICATION_TTL": "auth.email_verification_ttl",
    "PORTICO_PASSWORD_RESET_TTL": "auth.password_reset_ttl",
    "PORTICO_VERIFICATION_RESENDS_PER_HOUR": "auth.verification_resends_per_hour",
    # mfa
    "PORTICO_MFA_ISSUER": "mfa.issuer",
    "PORTICO_MFA_SECRET_KEY": "mfa.secret_key",
    "PORTICO_MFA_REQUIRED_ROLES": "mfa.required_roles",
    "PORTICO_MFA_CHALLENGE_TTL": "mfa.challenge_ttl",
    "PORTICO_MFA_FAILURES_PER_CHALLENGE": "mfa.failures_per_challenge",
    "PORTICO_MFA_FAILURES_PER_ACCOUNT": "mfa.failures_per_account",
    "PORTICO_MFA_LOCKOUT_SECONDS": "mfa.lockout_seconds",
    # [adapter:oidc begin]
    # oidc
    "PORTICO_AUTH_OIDC_ISSUER": "oidc.issuer",
    "PORTICO_AUTH_OIDC_AUDIENCE": "oidc.audience",
    "PORTICO_AUTH_OIDC_ROLES_CLAIM": "oidc.roles_claim",
    "PORTICO_AUTH_OIDC_JWKS_TTL": "oidc.jwks_ttl",
    "PORTICO_AUTH_OIDC_TIMEOUT": "oidc.timeout",
    # [adapter:oidc end]
    # social sign-in
    "PORTICO_SOCIAL_CALLBACK_BASE": "social.callback_base",
    "PORTICO_SOCIAL_FRONTENDS": "social.frontends",
    "PORTICO_SOCIAL_FLOW_TTL": "social.flow_ttl",
    "PORTICO_SOCIAL_OIDC_NAME": "social.oidc_name",
    "PORTICO_SOCIAL_OIDC_ISSUER": "social.oidc_issuer",
    "PORTICO_SOCIAL_OIDC_CLIENT_ID": "social.oidc_client_id",
    "PORTICO_SOCIAL_OIDC_CLIENT_SECRET": "social.oidc_client_secret",
    "PORTICO_SOCIAL_OIDC_SCOPES": "social.oidc_scopes",
    "PORTICO_SOCIAL_GITHUB_CLIENT_ID": "social.github_client_id",
    "PORTICO_SOCIAL_GITHUB_CLIENT_SECRET": "social.github_client_secret",
    "PORTICO_SOCIAL_GITHUB_WEB_URL": "social.github_web_url",
    "PORTICO_SOCIAL_GITHUB_API_URL": "social.github_api_url",
    # passwords
    "PORTICO_PASSWORD_TIME_COST": "passwords.time_cost",
    "PORTICO_PASSWORD_MEMORY_KIB": "passwords.memory_kib",
    "PORTICO_PASSWORD_PARALLELISM": "passwords.parallelism",
    # cache
    "PORTICO_CACHE": "cache.backend",
    "PORTICO_CACHE_TTL": "cache.ttl",
    "PORTICO_CACHE_MAX_ENTRIES": "cache.max_entries",
    "PORTICO_CACHE_PREFIX": "cache.prefix",
    "PORTICO_CACHE_BREAKER_FAILURES": "cache.breaker_failures",  # [adapter:redis]
    "PORTICO_CACHE_BREAKER_RESET_MS": "cache.breaker_reset_ms",  # [adapter:redis]
    # redis  # [adapter:redis]
    "PORTICO_REDIS_URL": "redis.url",  # [adapter:redis]
    "PORTICO_REDIS_POOL_SIZE": "redis.pool_size",  # [adapter:redis]
    "PORTICO_REDIS_TIMEOUT_MS": "redis.timeout_ms",  # [adapter:redis]
    "PORTICO_REDIS_STORE_PREFIX": "redis.store_prefix",  # [adapter:redis]
    "PORTICO_REDIS_STORE_TIMEOUT_MS": "redis.store_timeout_ms",  # [adapter:redis]
    "PORTICO_REDIS_REQUIRE_AOF": "redis.require_aof",  # [adapter:redis]
    # bus
    "PORTICO_BUS": "bus.backend",
    "PORTICO_NATS_URL": "bus.nats_url",  # [adapter:nats]
    "PORTICO_NATS_NAMESPACE": "bus.nats_namespace",  # [adapter:nats]
    "PORTICO_NATS_REPLICAS": "bus.nats_replicas",  # [adapter:nats]
    "PORTICO_NATS_TIMEOUT_MS": "bus.nats_timeout_ms",  # [adapter:nats]
    "PORTICO_CONSUMER_CONCURRENCY": "bus.consumer_concurrency",  # [adapter:nats]
    "PORTICO_BUS_MAX_DELIVERIES": "bus.max_deliveries",
    "PORTICO_BUS_RETRY_DELAY": "bus.retry_delay",
    "PORTICO_BUS_ACK_WAIT": "bus.ack_wait",
    "PORTICO_MESSAGING_STATS_INTERVAL": "bus.stats_interval",
    # outbox
    "PORTICO_OUTBOX_BATCH_SIZE": "outbox.batch_size",
    "PORTICO_OUTBOX_POLL_INTERVAL": "outbox.poll_interval",
    "PORTICO_OUTBOX_IDLE_POLL_INTERVAL": "outbox.idle_poll_interval",
    "PORTICO_OUTBOX_LINGER": "outbox.linger",
    # housekeeping
    "PORTICO_MAINTENANCE_INTERVAL": "maintenance.interval",
    "PORTICO_OUTBOX_RETENTION": "maintenance.outbox_retention",
    "PORTICO_INBOX_RETENTION": "maintenance.inbox_retention",
    "PORTICO_IDEMPOTENCY_RETENTION": "maintenance.idempotency_retention",
    "PORTICO_IDEMPOTENCY_STUCK_AFTER": "maintenance.stuck_after",
    "PORTICO_REFRESH_TOKEN_RETENTION": "maintenance.refresh_token_retention",
    # projections
    "PORTICO_PROJECTION_WAIT": "projections.wait",
    "PORTICO_PROJECTION_LAG_DEGRADED": "projections.lag_degraded",
    # payments
    "PORTICO_PAYMENTS": "payments.backend",
    "PORTICO_PAYMENT_PROVIDER_URL": "payments.provider_url",  # [adapter:http-payments]
    "PORTICO_PAYMENT_API_KEY": "payments.api_key",  # [adapter:http-payments]
    "PORTICO_PAYMENT_TIMEOUT": "payments.timeout",  # [adapter:http-payments]
    "PORTICO_PAYMENT_ATTEMPTS": "payments.attempts",  # [adapter:http-payments]
    "PORTICO_PAYMENT_BREAKER_FAILURES": "payments.breaker_failures",
    "PORTICO_PAYMENT_BREAKER_RESET_MS": "payments.breaker_reset_ms",
    # email
    # tenancy
    "PORTICO_TENANCY": "tenancy.enabled",
    "PORTICO_TENANT_REQUESTS_PER_MINUTE": "tenancy.requests_per_minute",
    "PORTICO_EMAIL": "email.backend",
    "PORTICO_EMAIL_SENDER": "email.sender",
    "PORTICO_EMAIL_SENDER_NAME": "email.sender_name",
    "PORTICO_EMAIL_LINK_BASE": "email.link_base",
    "PORTICO_SMTP_HOST": "email.smtp_host",
    "PORTICO_SMTP_PORT": "email.smtp_port",
    "PORTICO_SMTP_SECURITY": "email.smtp_security",
    "PORTICO_SMTP_USERNAME": "email.smtp_username",
    "PORTICO_SMTP_PASSWORD": "email.smtp_password",
    "PORTICO_SMTP_TIMEOUT": "email.smtp_timeout",
    "PORTICO_SMTP_CA_FILE": "email.smtp_ca_file",
    # notifier
    "PORTICO_NOTIFIER": "notifier.backend",
    "PORTICO_NOTIFIER_WEBHOOK_URL": "notifier.webhook_url",  # [adapter:webhook]
    "PORTICO_NOTIFIER_WEBHOOK_SECRET": "notifier.webhook_secret",  # [adapter:webhook]
    "PORTICO_NOTIFIER_TIMEOUT": "notifier.timeout",  # [adapter:webhook]
}

# Settings that hold secrets (or URLs that carry credentials): each can also be read from a
# file, PORTICO_X_FILE=/run/secrets/x, as Docker and Kubernetes mount secrets, so the value
# never sits in the environment. The file's trailing newline is dropped.
FILE_SUFFIX = "_FILE"
SECRETS: tuple[str, ...] = (
    "PORTICO_DATABASE_URL",
    "PORTICO_REDIS_URL",  # [adapter:redis]
    "PORTICO_NATS_URL",  # [adapter:nats]
    "PORTICO_PAYMENT_API_KEY",  # [adapter:http-payments]
    "PORTICO_NOTIFIER_WEBHOOK_SECRET",  # [adapter:webhook]
    "PORTICO_SENTRY_DSN",
    "PORTICO_SMTP_PASSWORD",
    "PORTICO_MFA_SECRET_KEY",
    "PORTICO_SOCIAL_OIDC_CLIENT_SECRET",
    "PORTICO_SOCIAL_GITHUB_CLIENT_SECRET",
)

_BACKGROUND = (
    "use PORTICO_BACKGROUND=auto|serve|worker|off "
    "(where the relay, the consumers and the projector run)"
)

# Variables that used to exist: a deployment that still sets one is told what replaced it
# rather than silently getting the default.
REMOVED: dict[str, str] = {
    "PORTICO_IN_PROCESS_WORKER": _BACKGROUND,
    "PORTICO_PROJECTOR": _BACKGROUND,
}

_NAMES = {path: variable for variable, path in VARIABLES.items()}


def env_name(path: str) -> str:
    """The variable behind a setting's dotted path, e.g. "database.url" -> PORTICO_DATABASE_URL."""
    return _NAMES[path]
