"""Settings: one typed object, from PORTICO_* environment variables over an optional .env file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, get_args, get_type_hints

import msgspec
from dotenv import dotenv_values

PREFIX = "PORTICO_"
# Keys under this prefix belong to the test suite, not to the application.
_FOREIGN_PREFIXES = ("PORTICO_TEST_",)


class SettingsError(ValueError):
    """A setting is wrong; the message names the variable and what it accepts."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    environment: Literal["development", "production", "test"] = "development"
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 8000
    workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    access_log: bool = True
    persistence: Literal["sql", "memory"] = "sql"
    database_url: str = "sqlite+aiosqlite:///var/portico.db"
    database_pool_size: Annotated[int, msgspec.Meta(ge=1, le=200)] = 10
    database_echo: bool = False
    max_body_size: Annotated[int, msgspec.Meta(ge=1024)] = 1_048_576
    readiness_timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 2.0
    # Identity and access (docs/identity.md).
    auth: Literal["local", "oidc"] = "local"
    auth_issuer: str = "portico"
    auth_audience: str = "portico-api"
    auth_access_token_ttl: Annotated[int, msgspec.Meta(ge=30, le=86_400)] = 900
    auth_refresh_token_ttl: Annotated[int, msgspec.Meta(ge=60, le=31_536_000)] = 1_209_600
    auth_leeway: Annotated[int, msgspec.Meta(ge=0, le=300)] = 30
    auth_signing_keys: str = ""
    auth_signing_kid: str = ""
    auth_dev_key_file: str = "var/dev-signing-key.json"
    auth_token_cache_size: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 10_000
    auth_revocation_sync: Annotated[float, msgspec.Meta(gt=0, le=300)] = 5.0
    auth_oidc_issuer: str = ""
    auth_oidc_audience: str = ""
    auth_oidc_roles_claim: str = "roles"
    auth_oidc_jwks_ttl: Annotated[float, msgspec.Meta(ge=0, le=86_400)] = 600.0
    auth_oidc_timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 5.0
    password_time_cost: Annotated[int, msgspec.Meta(ge=1, le=20)] = 3
    password_memory_kib: Annotated[int, msgspec.Meta(ge=8, le=4_194_304)] = 65_536
    password_parallelism: Annotated[int, msgspec.Meta(ge=1, le=16)] = 4
    rate_limit_auth_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 20
    login_failures_per_account: Annotated[int, msgspec.Meta(ge=1)] = 5
    login_lockout_seconds: Annotated[int, msgspec.Meta(ge=1, le=86_400)] = 300
    cors_origins: str = ""
    hsts: bool = False
    # Ordering: where the order projector runs (auto: `portico serve` with the memory bus,
    # `portico worker` with NATS; inprocess: serve; worker: the worker; off: elsewhere), and how
    # long a read given min_version waits for the projection (then 409).
    projector: Literal["auto", "inprocess", "worker", "off"] = "auto"
    projection_wait: Annotated[float, msgspec.Meta(ge=0, le=30)] = 2.0
    # Events a projection may be behind the event store before /health/ready says degraded.
    projection_lag_degraded: Annotated[int, msgspec.Meta(ge=1)] = 1000
    # Payments: fake (deterministic test tokens) or http (a provider's REST API).
    payments: Literal["fake", "http"] = "fake"
    payment_provider_url: str = ""
    payment_api_key: str = ""
    payment_timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 5.0
    payment_attempts: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    # The circuit breaker around the http provider: failed payments in a row that open it, and
    # milliseconds before it lets one probe through.
    payment_breaker_failures: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    payment_breaker_reset_ms: Annotated[int, msgspec.Meta(ge=10, le=600_000)] = 30_000
    # Telling customers what happened to their orders: log (a log line) or webhook (signed JSON).
    notifier: Literal["log", "webhook"] = "log"
    notifier_webhook_url: str = ""
    notifier_webhook_secret: str = ""
    notifier_timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 5.0
    # Caching of reads (docs/caching.md).
    cache: Literal["none", "memory", "redis"] = "memory"
    cache_ttl: Annotated[float, msgspec.Meta(gt=0, le=86_400)] = 300.0
    cache_max_entries: Annotated[int, msgspec.Meta(ge=1)] = 10_000
    cache_prefix: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._-]{1,64}$")] = "portico"
    cache_breaker_failures: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    cache_breaker_reset_ms: Annotated[int, msgspec.Meta(ge=10, le=600_000)] = 2000
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_pool_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 20
    redis_timeout_ms: Annotated[int, msgspec.Meta(ge=1, le=60_000)] = 100
    # Messaging (docs/messaging.md): the bus, the outbox relay, and where they run.
    bus: Literal["memory", "nats"] = "memory"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_namespace: Annotated[str, msgspec.Meta(pattern="^[a-z][a-z0-9_]{0,31}$")] = "portico"
    bus_max_deliveries: Annotated[int, msgspec.Meta(ge=1, le=100)] = 5
    bus_retry_delay: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 1.0
    bus_ack_wait: Annotated[float, msgspec.Meta(ge=1, le=3600)] = 30.0
    outbox_batch_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100
    outbox_poll_interval: Annotated[float, msgspec.Meta(gt=0, le=60)] = 0.2
    in_process_worker: Literal["auto", "on", "off"] = "auto"
    messaging_stats_interval: Annotated[float, msgspec.Meta(ge=0)] = 60.0

    @property
    def projects_in_serve(self) -> bool:
        return self.projector == "inprocess" or (self.projector == "auto" and self.bus == "memory")

    @property
    def projects_in_worker(self) -> bool:
        return self.projector == "worker" or (self.projector == "auto" and self.bus != "memory")

    @property
    def runs_worker_in_process(self) -> bool:
        """`auto`: the in-process bus reaches no other process, so the API runs the relay and
        the consumers itself; with NATS, `portico worker` does."""
        if self.in_process_worker == "auto":
            return self.bus == "memory"
        return self.in_process_worker == "on"

    @property
    def listens_for_cache_invalidation(self) -> bool:
        """Each API process keeps its own memory cache; with NATS, each one hears the catalog's
        events and forgets what other processes changed (whatever `in_process_worker` says).
        With the in-process bus no other process could write to it."""
        return self.cache == "memory" and self.bus == "nats"

    def __post_init__(self) -> None:
        problems = _auth_problems(self) + _payment_problems(self) + _notifier_problems(self)
        if problems:
            raise SettingsError("; ".join(problems))

    @property
    def signing_key_files(self) -> list[str]:
        return [part.strip() for part in self.auth_signing_keys.split(",") if part.strip()]

    @property
    def cors_origin_list(self) -> list[str]:
        return [part.strip() for part in self.cors_origins.split(",") if part.strip()]


def env_name(field: str) -> str:
    return PREFIX + field.upper()


def _payment_problems(settings: Settings) -> list[str]:
    if settings.payments == "http" and not settings.payment_provider_url.startswith(
        ("http://", "https://")
    ):
        return [
            f"{env_name('payment_provider_url')} must be an http(s) URL when "
            f"{env_name('payments')}=http"
        ]
    return []


def _notifier_problems(settings: Settings) -> list[str]:
    if settings.notifier != "webhook":
        return []
    problems = []
    if not settings.notifier_webhook_url.startswith(("http://", "https://")):
        problems.append(
            f"{env_name('notifier_webhook_url')} must be an http(s) URL when "
            f"{env_name('notifier')}=webhook"
        )
    if len(settings.notifier_webhook_secret) < 16:
        problems.append(
            f"{env_name('notifier_webhook_secret')} must be at least 16 characters when "
            f"{env_name('notifier')}=webhook (receivers check the signature with it)"
        )
    return problems


def _auth_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.auth == "oidc":
        problems += [
            f"{env_name(field)} is required when PORTICO_AUTH=oidc"
            for field in ("auth_oidc_issuer", "auth_oidc_audience")
            if not getattr(settings, field)
        ]
        issuer = settings.auth_oidc_issuer
        if issuer and not issuer.startswith(("https://", "http://127.", "http://localhost")):
            problems.append(
                f"{env_name('auth_oidc_issuer')}={issuer!r} is invalid: expected an https:// URL"
            )
    elif settings.environment == "production" and not settings.signing_key_files:
        problems.append(
            f"{env_name('auth_signing_keys')} is required in production: give PEM or JWKS files "
            "(the generated development key is for development only)"
        )
    if settings.auth_signing_kid and not settings.signing_key_files:
        problems.append(
            f"{env_name('auth_signing_kid')} needs {env_name('auth_signing_keys')} to name its keys"
        )
    problems += [
        f"{env_name('cors_origins')} has {origin!r}: expected origins such as "
        "https://shop.example.com, separated by commas"
        for origin in settings.cors_origin_list
        if origin != "*" and not origin.startswith(("http://", "https://"))
    ]
    return problems


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Read settings: the process environment wins over the .env file, which wins over defaults."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    fields = set(Settings.__struct_fields__)
    raw: dict[str, str] = {}
    for key, value in values.items():
        if not key.startswith(PREFIX) or key.startswith(_FOREIGN_PREFIXES):
            continue
        field = key[len(PREFIX) :].lower()
        if field not in fields:
            raise SettingsError(f"{key} is not a setting; the settings are: {_names()}")
        raw[field] = value
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except SettingsError:
        raise
    except msgspec.ValidationError as error:
        raise SettingsError(_explain(error, raw)) from None


_TYPE_WORDS = {"`int`": "an integer", "`float`": "a number", "`bool`": "true or false"}


def _names() -> str:
    return ", ".join(env_name(field) for field in Settings.__struct_fields__)


def _explain(error: msgspec.ValidationError, raw: Mapping[str, str]) -> str:
    message = str(error)
    match = re.search(r" - at `\$\.(\w+)`$", message)
    if match is None:
        return message if message.startswith(PREFIX) else f"invalid settings: {message}"
    field = match.group(1)
    reason = message[: match.start()].replace(", got `str`", "")
    for type_name, words in _TYPE_WORDS.items():
        reason = reason.replace(type_name, words)
    annotation = get_type_hints(Settings, include_extras=True)[field]
    choices = get_args(annotation)
    if choices and all(isinstance(choice, str) for choice in choices):
        reason = "expected one of: " + ", ".join(choices)
    return f"{env_name(field)}={raw.get(field, '')!r} is invalid: {reason[0].lower()}{reason[1:]}"
