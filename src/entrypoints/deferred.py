"""An adapter named by its import path, imported when a provider first builds it.

The Selector tables (entrypoints/platform/container.py and the contexts' containers) name every
adapter a setting can pick; naming one by `deferred("adapters.x.y:Name")` rather than importing
it keeps a process from loading the adapters (and their clients: redis-py, nats-py, httpx,
Authlib...) that its settings did not choose. bench/README.md: about 28 MB of a worker on the
memory cache and bus. A context's CLI commands are named so too (no server runs them).
tests/unit/test_chosen_adapters.py checks every path resolves.
"""

from __future__ import annotations

import importlib
from typing import Any

# Every one named, so a test can resolve them all (a typo fails there, not in production).
NAMED: list[deferred] = []


class deferred:
    """A callable standing for `module:attribute`, imported on the first call."""

    __slots__ = ("_target", "path")

    def __init__(self, path: str) -> None:
        if ":" not in path:
            raise ValueError(f"deferred({path!r}): name it as 'package.module:attribute'")
        self.path = path
        self._target: Any = None
        NAMED.append(self)

    def resolve(self) -> Any:
        if self._target is None:
            module, _, name = self.path.partition(":")
            self._target = getattr(importlib.import_module(module), name)
        return self._target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"deferred({self.path!r})"
