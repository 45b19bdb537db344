"""load_settings: PORTICO_* variables over an optional .env file, with one-line errors."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_type_hints

import msgspec

from entrypoints.settings.model import Settings, SettingsError
from entrypoints.settings.variables import (
    FILE_SUFFIX,
    PREFIX,
    REMOVED,
    SECRETS,
    VARIABLES,
    env_name,
)

# Keys under this prefix belong to the test suite, not to the application.
_FOREIGN_PREFIXES = ("PORTICO_TEST_",)


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Read settings: the process environment wins over the .env file, which wins over defaults."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values  # only if there is a file: serve's supervisor

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    values = _read_secret_files(values)
    raw: dict[str, Any] = {}
    for key, value in sorted(values.items()):
        if not key.startswith(PREFIX) or key.startswith(_FOREIGN_PREFIXES):
            continue
        if key in REMOVED:
            raise SettingsError(f"{key} was removed: {REMOVED[key]}")
        if key not in VARIABLES:
            raise SettingsError(f"{key} is not a setting; the settings are: {', '.join(VARIABLES)}")
        *group, field = VARIABLES[key].split(".")
        (raw.setdefault(group[0], {}) if group else raw)[field] = value
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except SettingsError:
        raise
    except msgspec.ValidationError as error:
        raise SettingsError(_explain(error, values)) from None


def _read_secret_files(values: dict[str, str]) -> dict[str, str]:
    """PORTICO_X_FILE=/path becomes PORTICO_X=<the file's text>, for the secrets only."""
    resolved = dict(values)
    for variable in SECRETS:
        path = resolved.pop(variable + FILE_SUFFIX, None)
        if path is None:
            continue
        if values.get(variable):
            raise SettingsError(f"set {variable} or {variable}{FILE_SUFFIX}, not both")
        try:
            resolved[variable] = Path(path).read_text().rstrip("\r\n")
        except OSError as error:
            raise SettingsError(
                f"{variable}{FILE_SUFFIX}={path!r}: cannot read it ({error.strerror})"
            ) from None
    return resolved


_TYPE_WORDS = {"`int`": "an integer", "`float`": "a number", "`bool`": "true or false"}


def _explain(error: msgspec.ValidationError, values: Mapping[str, str]) -> str:
    message = str(error)
    match = re.search(r" - at `\$\.([\w.]+)`$", message)
    if match is None:
        return message if message.startswith(PREFIX) else f"invalid settings: {message}"
    path = match.group(1)
    reason = message[: match.start()].replace(", got `str`", "")
    for type_name, words in _TYPE_WORDS.items():
        reason = reason.replace(type_name, words)
    choices = get_args(_annotation(path))
    if choices and all(isinstance(choice, str) for choice in choices):
        reason = "expected one of: " + ", ".join(choices)
    variable = env_name(path)
    return f"{variable}={values.get(variable, '')!r} is invalid: {reason[0].lower()}{reason[1:]}"


def _annotation(path: str) -> object:
    owner: type = Settings
    *groups, field = path.split(".")
    for group in groups:
        owner = get_type_hints(owner)[group]
    return get_type_hints(owner, include_extras=True)[field]
