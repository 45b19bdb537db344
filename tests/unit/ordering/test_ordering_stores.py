"""Ordering keeps its state in SQL or memory: another store is refused in one line."""

from __future__ import annotations

import pytest

from entrypoints.container import build_container
from entrypoints.modules import load_modules, unsupported_store
from entrypoints.ordering.module import MODULE as ORDERING
from entrypoints.settings import AuthSettings, Settings, SettingsError


def test_every_context_has_an_adapter_on_the_default_store_and_in_memory() -> None:
    assert unsupported_store("sql", load_modules()) is None
    assert unsupported_store("memory", load_modules()) is None


# [adapter:redis begin]
def test_redis_is_refused_for_ordering_which_has_no_redis_adapter() -> None:
    assert unsupported_store("redis", (ORDERING,)) == (
        "PORTICO_PERSISTENCE=redis: the ordering context keeps its state in sql or memory only "
        "(choose one of those, or remove the context: python -m tools.contexts ordering)"
    )
    auth = AuthSettings(dev_key_file="/nonexistent/key.json")
    with pytest.raises(SettingsError, match=r"^PORTICO_PERSISTENCE=redis: the \w+ context keeps"):
        build_container(Settings(persistence="redis", auth=auth))


# [adapter:redis end]
