"""Settings: the groups by concern, the few top-level choices, and the checks across groups."""

from __future__ import annotations

from typing import Literal

import msgspec

from entrypoints.settings.groups import (
    AuthSettings,
    BusSettings,
    CacheSettings,
    DatabaseSettings,
    EmailSettings,
    HttpSettings,
    LoggingSettings,
    MaintenanceSettings,
    MetricsSettings,
    MfaSettings,
    NotifierSettings,
    OidcSettings,  # [adapter:oidc]
    OutboxSettings,
    PasswordSettings,
    PaymentSettings,
    ProjectionSettings,
    RedisSettings,  # [adapter:redis]
    SocialSettings,
    TenancySettings,
    TracingSettings,
)
from entrypoints.settings.variables import env_name


class SettingsError(ValueError):
    """A setting is wrong; the message names the variable and what it accepts."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    environment: Literal["development", "production", "test"] = "development"
    # Where the contexts keep their state: sql (PORTICO_DATABASE_URL), memory (one process,
    # nothing kept).
    persistence: Literal[
        "sql",
        "memory",
        # [adapter:redis begin]
        # PORTICO_REDIS_URL, for the contexts that have a Redis adapter (Module.stores).
        "redis",
        # [adapter:redis end]
    ] = "sql"
    # Where the outbox relay, the event consumers and the order projector run. auto: in
    # `portico serve` with the memory bus (it reaches no other process), in `portico worker` with
    # NATS; serve or worker force one; off: neither (another deployment runs them).
    background: Literal["auto", "serve", "worker", "off"] = "auto"
    http: HttpSettings = msgspec.field(default_factory=HttpSettings)
    logging: LoggingSettings = msgspec.field(default_factory=LoggingSettings)
    metrics: MetricsSettings = msgspec.field(default_factory=MetricsSettings)
    tracing: TracingSettings = msgspec.field(default_factory=TracingSettings)
    database: DatabaseSettings = msgspec.field(default_factory=DatabaseSettings)
    auth: AuthSettings = msgspec.field(default_factory=AuthSettings)
    oidc: OidcSettings = msgspec.field(default_factory=OidcSettings)  # [adapter:oidc]
    mfa: MfaSettings = msgspec.field(default_factory=MfaSettings)
    social: SocialSettings = msgspec.field(default_factory=SocialSettings)
    passwords: PasswordSettings = msgspec.field(default_factory=PasswordSettings)
    cache: CacheSettings = msgspec.field(default_factory=CacheSettings)
    redis: RedisSettings = msgspec.field(default_factory=RedisSettings)  # [adapter:redis]
    tenancy: TenancySettings = msgspec.field(default_factory=TenancySettings)
    bus: BusSettings = msgspec.field(default_factory=BusSettings)
    outbox: OutboxSettings = msgspec.field(default_factory=OutboxSettings)
    maintenance: MaintenanceSettings = msgspec.field(default_factory=MaintenanceSettings)
    projections: ProjectionSettings = msgspec.field(default_factory=ProjectionSettings)
    payments: PaymentSettings = msgspec.field(default_factory=PaymentSettings)
    notifier: NotifierSettings = msgspec.field(default_factory=NotifierSettings)
    email: EmailSettings = msgspec.field(default_factory=EmailSettings)

    def __post_init__(self) -> None:
        problems = (
            _auth_problems(self)
            + _payment_problems(self)  # [adapter:http-payments]
            + _notifier_problems(self)  # [adapter:webhook]
            + _email_problems(self)
            + _social_problems(self)
            + _sentry_problems(self)
            + _profiling_problems(self)
            + _proxy_problems(self)
            + _mfa_problems(self)
            + _row_security_problems(self)  # [adapter:postgresql]
        )
        if problems:
            raise SettingsError("; ".join(problems))

    @property
    def has_database(self) -> bool:
        """Whether state lives in a SQL database (something to migrate and reach)."""
        return self.persistence == "sql"

    @property
    def keeps_state(self) -> bool:
        """Whether state outlives the process (a database or a Redis server holds it)."""
        return self.persistence != "memory"

    # [adapter:redis begin]
    @property
    def stores_in_redis(self) -> bool:
        return self.persistence == "redis"

    @property
    def caches_in_redis(self) -> bool:
        return self.cache.backend == "redis"

    # [adapter:redis end]
    @property
    def events_stay_in_process(self) -> bool:
        """The in-process bus: events published reach only the process that published them."""
        return self.bus.backend == "memory"

    @property
    def processes_share_nothing(self) -> bool:
        """Each process has its own cache and its own bus: several workers would disagree."""
        return self.cache.backend == "memory" and self.events_stay_in_process

    @property
    def runs_worker_in_process(self) -> bool:
        """`portico serve` runs the relay and the consumers itself."""
        return self.background == "serve" or (
            self.background == "auto" and self.bus.backend == "memory"
        )

    @property
    def projects_in_serve(self) -> bool:
        return self.runs_worker_in_process

    @property
    def projects_in_worker(self) -> bool:
        return self.background == "worker" or (
            self.background == "auto" and self.bus.backend != "memory"
        )

    @property
    def listens_for_cache_invalidation(self) -> bool:
        """Each API process keeps its own memory cache; with NATS, each one hears the catalog's
        events and forgets what other processes changed (whatever `background` says). With the
        in-process bus no other process could write to it."""
        return self.cache.backend == "memory" and self.bus.backend != "memory"


# [adapter:http-payments begin]
def _payment_problems(settings: Settings) -> list[str]:
    payments = settings.payments
    if payments.backend == "http" and not payments.provider_url.startswith(("http://", "https://")):
        return [
            f"{env_name('payments.provider_url')} must be an http(s) URL when "
            f"{env_name('payments.backend')}=http"
        ]
    return []


# [adapter:http-payments end]


def _proxy_problems(settings: Settings) -> list[str]:
    try:
        settings.http.trusted_proxy_networks  # noqa: B018 (parsing is the check)
    except ValueError as error:
        return [f"{env_name('http.trusted_proxies')}: {error}"]
    return []


# [adapter:postgresql begin]
def _row_security_problems(settings: Settings) -> list[str]:
    database = settings.database
    if database.row_security and not database.url.startswith(("postgresql", "postgres:")):
        return [
            f"{env_name('database.row_security')}=true needs a PostgreSQL "
            f"{env_name('database.url')} (row-level security is PostgreSQL's)"
        ]
    return []


# [adapter:postgresql end]
def _profiling_problems(settings: Settings) -> list[str]:
    if settings.http.profiling and settings.environment != "development":
        return [
            f"{env_name('http.profiling')}=true is for development only: a profile shows the "
            f"code and its timings ({env_name('environment')}={settings.environment})"
        ]
    return []


def _sentry_problems(settings: Settings) -> list[str]:
    dsn = settings.logging.sentry_dsn
    if dsn and not dsn.startswith(("https://", "http://")):
        return [f"{env_name('logging.sentry_dsn')} must be a Sentry DSN (https://key@host/project)"]
    return []


# [adapter:webhook begin]
def _notifier_problems(settings: Settings) -> list[str]:
    notifier = settings.notifier
    if notifier.backend != "webhook":
        return []
    problems = []
    if not notifier.webhook_url.startswith(("http://", "https://")):
        problems.append(
            f"{env_name('notifier.webhook_url')} must be an http(s) URL when "
            f"{env_name('notifier.backend')}=webhook"
        )
    if len(notifier.webhook_secret) < 16:
        problems.append(
            f"{env_name('notifier.webhook_secret')} must be at least 16 characters when "
            f"{env_name('notifier.backend')}=webhook (receivers check the signature with it)"
        )
    return problems


# [adapter:webhook end]


def _email_problems(settings: Settings) -> list[str]:
    email = settings.email
    problems = []
    if not email.link_base.startswith(("http://", "https://")):
        problems.append(f"{env_name('email.link_base')} must be an http(s) URL")
    if "@" not in email.sender:
        problems.append(f"{env_name('email.sender')} must be an email address")
    return problems


def _mfa_problems(settings: Settings) -> list[str]:
    mfa, problems = settings.mfa, []
    if mfa.secret_key and len(mfa.secret_key) < 32:
        problems.append(f"{env_name('mfa.secret_key')} must be at least 32 characters")
    elif not mfa.secret_key and settings.environment == "production":
        problems.append(
            f"{env_name('mfa.secret_key')} is required in production: 32+ random characters "
            "that seal the authenticators' secrets (the development key is public)"
        )
    return problems


def _auth_problems(settings: Settings) -> list[str]:
    auth = settings.auth
    problems: list[str] = []
    problems += _oidc_problems(settings)  # [adapter:oidc]
    if auth.mode == "local" and settings.environment == "production" and not auth.signing_key_files:
        problems.append(
            f"{env_name('auth.signing_keys')} is required in production: give PEM or JWKS files "
            "(the generated development key is for development only)"
        )
    if auth.signing_kid and not auth.signing_key_files:
        problems.append(
            f"{env_name('auth.signing_kid')} needs {env_name('auth.signing_keys')} to name its keys"
        )
    problems += [
        f"{env_name('http.cors_origins')} has {origin!r}: expected origins such as "
        "https://shop.example.com, separated by commas"
        for origin in settings.http.cors_origin_list
        if origin != "*" and not origin.startswith(("http://", "https://"))
    ]
    return problems


# [adapter:oidc begin]
def _oidc_problems(settings: Settings) -> list[str]:
    oidc = settings.oidc
    if settings.auth.mode != "oidc":
        return []
    problems = [
        f"{env_name('oidc.' + field)} is required when {env_name('auth.mode')}=oidc"
        for field in ("issuer", "audience")
        if not getattr(oidc, field)
    ]
    if oidc.issuer and not oidc.issuer.startswith(("https://", "http://127.", "http://localhost")):
        problems.append(
            f"{env_name('oidc.issuer')}={oidc.issuer!r} is invalid: expected an https:// URL"
        )
    return problems


# [adapter:oidc end]
def _social_problems(settings: Settings) -> list[str]:
    social = settings.social
    problems = [
        f"{env_name(path)}: {url!r} is invalid: expected an http(s) URL"
        for path, urls in (
            ("social.callback_base", [social.callback_base]),
            ("social.frontends", social.frontend_urls),
        )
        for url in urls
        if not url.startswith(("http://", "https://"))
    ]
    if social.oidc_client_id and not social.oidc_issuer.startswith(
        ("https://", "http://127.", "http://localhost")
    ):
        problems.append(
            f"{env_name('social.oidc_issuer')} must be an https:// URL when "
            f"{env_name('social.oidc_client_id')} is set"
        )
    if social.oidc_client_id and social.oidc_name == "github":
        problems.append(f"{env_name('social.oidc_name')} cannot be github (GitHub's own name)")
    return problems
