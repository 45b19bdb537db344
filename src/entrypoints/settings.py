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
    def runs_worker_in_process(self) -> bool:
        """`auto`: the in-process bus reaches no other process, so the API runs the relay and
        the consumers itself; with NATS, `portico worker` does."""
        if self.in_process_worker == "auto":
            return self.bus == "memory"
        return self.in_process_worker == "on"


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
