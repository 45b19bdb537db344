"""Ordering keeps its state in SQL or memory: PORTICO_PERSISTENCE=redis is refused in one line."""

from __future__ import annotations

import pytest

from entrypoints.container import build_container
from entrypoints.modules import load_modules, unsupported_store
from entrypoints.settings import AuthSettings, Settings, SettingsError


def test_redis_is_refused_for_ordering_which_has_no_redis_adapter() -> None:
    auth = AuthSettings(dev_key_file="/nonexistent/key.json")
    with pytest.raises(SettingsError) as refused:
        build_container(Settings(persistence="redis", auth=auth))

    assert str(refused.value) == (
        "PORTICO_PERSISTENCE=redis: the ordering context keeps its state in sql or memory only "
        "(choose one of those, or remove the context: python -m tools.contexts ordering)"
    )
    # Without ordering (a fork that removed it), the other contexts all have a Redis adapter.
    rest = tuple(module for module in load_modules() if module.name != "ordering")
    assert unsupported_store("redis", rest) is None
    assert unsupported_store("sql", load_modules()) is None
