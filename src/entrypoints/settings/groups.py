"""One small frozen struct per concern; Settings (model.py) gathers them.

Defaults are the embedded development setup: nothing here needs a server.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated, Literal

import msgspec


class Group(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A concern's settings (subclasses repeat frozen=True for mypy's sake)."""


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class HttpSettings(Group, frozen=True):
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 8000
    workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    max_body_size: Annotated[int, msgspec.Meta(ge=1024)] = 1_048_576
    # Seconds `portico serve` gives its requests and the app's shutdown after SIGTERM before it
    # kills its workers (docs/deployment.md): under Kubernetes' 30 s grace less the pod's 5 s
    # preStop sleep, so the orchestrator's SIGKILL does not come first.
    stop_timeout: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 20
    # How long /health/ready (and the startup checks) wait for a dependency.
    readiness_timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 2.0
    cors_origins: str = ""
    hsts: bool = False
    # Peers whose forwarding headers are believed (entrypoints/http/security/proxies.py).
    trusted_proxies: str = ""
    # `?profile` answers the request's profile (development only: entrypoints/http/profiling.py).
    profiling: bool = False

    @property
    def cors_origin_list(self) -> list[str]:
        return _split(self.cors_origins)

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        """ "10.0.0.0/8, ::1" -> networks; ValueError names an entry that is not one."""
        networks = []
        for entry in _split(self.trusted_proxies):
            try:
                networks.append(ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
        return networks


class LoggingSettings(Group, frozen=True):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "console"] = "auto"
    access_log: bool = True
    # Errors to Sentry (entrypoints/error_tracking.py): empty turns it off.
    sentry_dsn: str = ""


class MetricsSettings(Group, frozen=True):
    """Prometheus metrics (docs/observability.md): served on a port of their own, never on the
    API's, so they are not public by accident. Port 0 (the default): no metrics at all."""

    port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 0
    host: str = "127.0.0.1"

    @property
    def enabled(self) -> bool:
        return self.port != 0


class TracingSettings(Group, frozen=True):
    """OpenTelemetry traces (entrypoints/tracing.py), off by default. A field left unset lets the
    standard OTEL_* variable decide (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME,
    OTEL_TRACES_SAMPLER...), then the SDK's default."""

    enabled: bool = False
    # OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces.
    endpoint: str = ""
    service_name: str = ""
    # The share of new traces kept; a request's parent decides for its own trace.
    sample_ratio: Annotated[float, msgspec.Meta(ge=0, le=1)] | None = None


class DatabaseSettings(Group, frozen=True):
    url: str = "sqlite+aiosqlite:///var/portico.db"
    # A read replica of `url` for queries (docs/deployment.md); empty: the primary serves all.
    read_url: str = ""
    pool_size: Annotated[int, msgspec.Meta(ge=1, le=200)] = 10
    # How long a request waits for a pooled connection when all are lent, then a 503
    # `dependency-busy` (SQLAlchemy's 30 s; below the proxy's timeout, so the client gets it).
    pool_timeout_ms: Annotated[int, msgspec.Meta(ge=1, le=600_000)] = 30_000
    echo: bool = False
    # PostgreSQL's row-level security as a second guard of tenants (docs/tenancy.md): each
    # unit of work and read enters its tenant; off, sessions act for every tenant.
    row_security: bool = False  # [adapter:postgresql]


class AuthSettings(Group, frozen=True):
    """Identity and access (docs/identity.md): our own tokens, and how sign-in is throttled."""

    mode: Literal[
        "local",
        "oidc",  # [adapter:oidc]
    ] = "local"
    issuer: str = "portico"
    audience: str = "portico-api"
    access_token_ttl: Annotated[int, msgspec.Meta(ge=30, le=86_400)] = 900
    refresh_token_ttl: Annotated[int, msgspec.Meta(ge=60, le=31_536_000)] = 1_209_600
    leeway: Annotated[int, msgspec.Meta(ge=0, le=300)] = 30
    signing_keys: str = ""
    signing_kid: str = ""
    dev_key_file: str = "var/dev-signing-key.json"
    token_cache_size: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 10_000
    revocation_sync: Annotated[float, msgspec.Meta(gt=0, le=300)] = 5.0
    rate_limit_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 20
    login_failures_per_account: Annotated[int, msgspec.Meta(ge=1)] = 5
    login_lockout_seconds: Annotated[int, msgspec.Meta(ge=1, le=86_400)] = 300
    # Accounts (docs/identity.md): whether an unverified email may sign in, how long the mailed
    # links work, and how many verification mails one address may ask for per hour.
    unverified_sign_in: bool = True
    email_verification_ttl: Annotated[int, msgspec.Meta(ge=60, le=2_592_000)] = 172_800
    password_reset_ttl: Annotated[int, msgspec.Meta(ge=60, le=86_400)] = 3_600
    verification_resends_per_hour: Annotated[int, msgspec.Meta(ge=1, le=100)] = 3

    @property
    def signing_key_files(self) -> list[str]:
        return _split(self.signing_keys)


class MfaSettings(Group, frozen=True):
    """The second factor (TOTP, docs/identity.md#second-factor-totp)."""

    # The name authenticator apps show beside the account (the otpauth:// URI's issuer).
    issuer: str = "Portico"
    # Seals TOTP secrets and keys recovery-code digests; 32+ characters, required in production
    # (development falls back to a fixed key). Changing it voids every enrolled authenticator.
    secret_key: str = ""
    # Roles (comma-separated) that must sign in with a second factor: without one, sign-in can
    # only enrol it.
    required_roles: str = ""
    challenge_ttl: Annotated[int, msgspec.Meta(ge=30, le=900)] = 300
    failures_per_challenge: Annotated[int, msgspec.Meta(ge=1, le=20)] = 3
    failures_per_account: Annotated[int, msgspec.Meta(ge=1, le=100)] = 5
    lockout_seconds: Annotated[int, msgspec.Meta(ge=1, le=86_400)] = 900

    @property
    def required_role_names(self) -> list[str]:
        return _split(self.required_roles)


# [adapter:oidc begin]
class OidcSettings(Group, frozen=True):
    """The external provider, used with PORTICO_AUTH=oidc."""

    issuer: str = ""
    audience: str = ""
    roles_claim: str = "roles"
    jwks_ttl: Annotated[float, msgspec.Meta(ge=0, le=86_400)] = 600.0
    timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 5.0


# [adapter:oidc end]
class SocialSettings(Group, frozen=True):
    """Social sign-in (docs/identity.md): OpenID Connect and GitHub, each on when its client id
    is set. `callback_base` is this API's public URL (the providers send people back there);
    `frontends` the only URLs the browser may land on afterwards (picked by exact origin)."""

    callback_base: str = "http://127.0.0.1:8000"
    frontends: str = ""
    flow_ttl: Annotated[int, msgspec.Meta(ge=30, le=3_600)] = 600
    oidc_name: Annotated[str, msgspec.Meta(pattern="^[a-z0-9-]{1,40}$")] = "oidc"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email profile"
    github_client_id: str = ""
    github_client_secret: str = ""
    github_web_url: str = "https://github.com"
    github_api_url: str = "https://api.github.com"

    @property
    def frontend_urls(self) -> list[str]:
        return _split(self.frontends)


class PasswordSettings(Group, frozen=True):
    """argon2id cost; hashes upgrade at login when it changes."""

    time_cost: Annotated[int, msgspec.Meta(ge=1, le=20)] = 3
    memory_kib: Annotated[int, msgspec.Meta(ge=8, le=4_194_304)] = 65_536
    parallelism: Annotated[int, msgspec.Meta(ge=1, le=16)] = 4


class CacheSettings(Group, frozen=True):
    """Caching of reads (docs/caching.md)."""

    backend: Literal[
        "none",
        "memory",
        "redis",  # [adapter:redis]
    ] = "memory"
    ttl: Annotated[float, msgspec.Meta(gt=0, le=86_400)] = 300.0
    max_entries: Annotated[int, msgspec.Meta(ge=1)] = 10_000
    prefix: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._-]{1,64}$")] = "portico"
    # [adapter:redis begin]
    # The Redis cache's circuit breaker: failures in a row that open it, and its pause.
    breaker_failures: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    breaker_reset_ms: Annotated[int, msgspec.Meta(ge=10, le=600_000)] = 2000
    # [adapter:redis end]


class TenancySettings(Group, frozen=True):
    """Which organisation a request acts within (docs/tenancy.md): off, every request acts within
    the single tenant; on, tenant-scoped routes need X-Organisation-Id naming one the caller is a
    member of, and each organisation has its own request budget."""

    enabled: bool = False
    requests_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 1200


# [adapter:redis begin]
class RedisSettings(Group, frozen=True):
    """The Redis server: the shared cache and the shared sign-in rate limits use it."""

    url: str = "redis://127.0.0.1:6379/0"
    pool_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 20
    timeout_ms: Annotated[int, msgspec.Meta(ge=1, le=60_000)] = 100
    # With PORTICO_PERSISTENCE=redis (docs/persistence.md): the keys' prefix, the limit of one
    # call (a commit waits for the server, never for a breaker), and whether production refuses
    # to start unless the server's AOF keeps every acknowledged write.
    store_prefix: Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9_.-]{1,64}$")] = "portico"
    store_timeout_ms: Annotated[int, msgspec.Meta(ge=1, le=60_000)] = 2000
    require_aof: bool = True


# [adapter:redis end]


class BusSettings(Group, frozen=True):
    """Messaging (docs/messaging.md): the bus, its redeliveries, and the stats log line."""

    backend: Literal[
        "memory",
        "nats",  # [adapter:nats]
    ] = "memory"
    # [adapter:nats begin]
    # One server, or a cluster's servers comma-separated (the client fails over between them).
    nats_url: str = "nats://127.0.0.1:4222"
    # Copies of each stream (and its consumers) in a JetStream cluster: 3 survives a lost node.
    nats_replicas: Annotated[int, msgspec.Meta(ge=1, le=5)] = 1
    nats_namespace: Annotated[str, msgspec.Meta(pattern="^[a-z][a-z0-9_]{0,31}$")] = "portico"
    # What one call to NATS may take: a connection to each server, a JetStream request, a
    # publish's acknowledgement. Raise it for a server far away or a cluster electing leaders,
    # whose late acknowledgements would have the relay send the events again.
    nats_timeout_ms: Annotated[int, msgspec.Meta(ge=10, le=60_000)] = 2000
    # Event handlers at once per process (different aggregates; one aggregate's in order):
    # each may hold a database connection, so keep it under the database pool.
    consumer_concurrency: Annotated[int, msgspec.Meta(ge=1, le=200)] = 8
    # [adapter:nats end]
    max_deliveries: Annotated[int, msgspec.Meta(ge=1, le=100)] = 5
    retry_delay: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 1.0
    ack_wait: Annotated[float, msgspec.Meta(ge=1, le=3600)] = 30.0
    stats_interval: Annotated[float, msgspec.Meta(ge=0)] = 60.0


class OutboxSettings(Group, frozen=True):
    """The relay from the outbox to the bus (and the projectors' pace): a commit wakes them
    (docs/messaging.md); they also poll, from poll_interval backing off to idle_poll_interval
    while nothing comes, when every commit that concerns them wakes them. A relay woken after
    a batch waits linger more, so that a stream of commits goes in fuller batches."""

    batch_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100
    poll_interval: Annotated[float, msgspec.Meta(gt=0, le=60)] = 0.2
    idle_poll_interval: Annotated[float, msgspec.Meta(gt=0, le=300)] = 10.0
    linger: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.01


class MaintenanceSettings(Group, frozen=True):
    """Housekeeping (docs/messaging.md): how often it runs, and how long each kind of row stays.

    Seconds throughout. The inbox must outlive any redelivery (the bus gives up after
    max_deliveries), and a claim is stuck only once it is older than any request can run.
    """

    interval: Annotated[float, msgspec.Meta(ge=0)] = 3600.0  # 0: never on a schedule
    outbox_retention: Annotated[float, msgspec.Meta(ge=0)] = 0.0  # 0: deleted once sent
    inbox_retention: Annotated[float, msgspec.Meta(ge=3600)] = 604_800.0
    idempotency_retention: Annotated[float, msgspec.Meta(ge=60)] = 86_400.0
    stuck_after: Annotated[float, msgspec.Meta(ge=1)] = 300.0
    refresh_token_retention: Annotated[float, msgspec.Meta(ge=0)] = 86_400.0


class ProjectionSettings(Group, frozen=True):
    # How long a read given min_version waits for the projection (then 409), and how many events
    # a projection may be behind the event store before /health/ready says degraded.
    wait: Annotated[float, msgspec.Meta(ge=0, le=30)] = 2.0
    lag_degraded: Annotated[int, msgspec.Meta(ge=1)] = 1000


class PaymentSettings(Group, frozen=True):
    """fake (deterministic test tokens) or http (a provider's REST API)."""

    backend: Literal[
        "fake",
        "http",  # [adapter:http-payments]
    ] = "fake"
    # [adapter:http-payments begin]
    provider_url: str = ""
    api_key: str = ""
    timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 5.0
    attempts: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    # [adapter:http-payments end]
    # The circuit breaker around the http provider: failed payments in a row that open it, and
    # milliseconds before it lets one probe through.
    breaker_failures: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    breaker_reset_ms: Annotated[int, msgspec.Meta(ge=10, le=600_000)] = 30_000


class NotifierSettings(Group, frozen=True):
    """How customers hear about their orders: log (a log line) or webhook (signed JSON)."""

    backend: Literal[
        "log",
        "webhook",  # [adapter:webhook]
    ] = "log"
    # [adapter:webhook begin]
    webhook_url: str = ""
    webhook_secret: str = ""
    timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 5.0
    # [adapter:webhook end]


class EmailSettings(Group, frozen=True):
    """Mail to people (docs/identity.md): log (development: a log line) or smtp."""

    backend: Literal["log", "smtp"] = "log"
    sender: str = "no-reply@localhost"
    sender_name: str = "Portico"
    # Where the links in mails point: the page of your front end that takes the token.
    link_base: str = "http://127.0.0.1:8000"
    smtp_host: str = "127.0.0.1"
    smtp_port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: Annotated[float, msgspec.Meta(gt=0, le=120)] = 10.0
    # A CA bundle for a server whose certificate the system's CAs do not know.
    smtp_ca_file: str = ""
