"""Every context's handlers make their units of work by a plain call (made_once's fast path)."""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers

from entrypoints.container import build_container
from entrypoints.modules import load_modules
from entrypoints.settings import Settings


@pytest.mark.parametrize("persistence", ["sql", "memory"])
def test_every_context_s_units_of_work_are_made_by_a_plain_call(persistence: str) -> None:
    # Fails when a context's handlers are given `uow.provider` again (no `units_of_work`), or
    # when its unit of work's Factory injects attributes or an object made anew at each call
    # (then the maker goes through dependency-injector: about 5 µs a unit of work, not 1).
    container = build_container(Settings(environment="test", persistence=persistence))
    contexts = [getattr(container, module.name) for module in load_modules()]
    with_units = [context for context in contexts if "uow" in context.providers]
    assert with_units
    for context in with_units:
        maker: Any = context.units_of_work()
        assert maker._make is not context.uow, context
        assert not isinstance(maker._make, providers.Provider)
