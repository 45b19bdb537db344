"""Optional modules a library imports when installed, hidden while that library is imported.

Some libraries import an optional module at import time, whether it is used or not (structlog
imports rich, Litestar its OpenTelemetry plugin, granian watchfiles): a module
set to None in sys.modules makes that import fail as if it were not installed. Hidden only for
the `with` block and only if not yet imported, so a later import of it works.

`PackageImport` is the other half: a package whose own `__init__` must run differently (with a
module hidden, or later) is loaded through it, the first time anything imports it.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.machinery import ModuleSpec, PathFinder
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.abc imports importlib.resources, pathlib, tempfile...
    from collections.abc import Sequence
    from importlib.abc import Loader
    from types import ModuleType


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    hide = [name for name in names if name not in sys.modules]
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hide:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


class PackageImport(ABC):
    """A finder for the package named `package`: found the usual way, its module is then run
    by `load(module, loader)` instead of by its loader alone. It steps aside at that first
    import (one per process); `install` puts it first, unless the package is already in."""

    package: str

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != self.package:
            return None
        sys.meta_path.remove(self)
        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        self.loader: Loader = spec.loader
        spec.loader = self  # type: ignore[assignment]
        return spec

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader  # as if never wrapped (importlib.resources reads it)
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.load(module, self.loader)

    @abstractmethod
    def load(self, module: ModuleType, loader: Loader) -> None:
        """Run the package's module: at least `loader.exec_module(module)`, around it what
        the subclass is for."""

    def install(self) -> None:
        if self.package not in sys.modules:
            sys.meta_path.insert(0, self)
