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


class SettingsError(ValueError):
    """A setting is wrong; the message names the variable and what it accepts."""


def env_name(field: str) -> str:
    return PREFIX + field.upper()


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
    except msgspec.ValidationError as error:
        raise SettingsError(_explain(error, raw)) from None


_TYPE_WORDS = {"`int`": "an integer", "`float`": "a number", "`bool`": "true or false"}


def _names() -> str:
    return ", ".join(env_name(field) for field in Settings.__struct_fields__)


def _explain(error: msgspec.ValidationError, raw: Mapping[str, str]) -> str:
    message = str(error)
    match = re.search(r" - at `\$\.(\w+)`$", message)
    if match is None:
        return f"invalid settings: {message}"
    field = match.group(1)
    reason = message[: match.start()].replace(", got `str`", "")
    for type_name, words in _TYPE_WORDS.items():
        reason = reason.replace(type_name, words)
    annotation = get_type_hints(Settings, include_extras=True)[field]
    choices = get_args(annotation)
    if choices and all(isinstance(choice, str) for choice in choices):
        reason = "expected one of: " + ", ".join(choices)
    return f"{env_name(field)}={raw.get(field, '')!r} is invalid: {reason[0].lower()}{reason[1:]}"
