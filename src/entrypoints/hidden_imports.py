"""Optional modules a library imports when installed, hidden while that library is imported.

Some libraries import an optional module at import time, whether it is used or not (structlog
imports rich, Litestar its OpenTelemetry plugin, granian watchfiles): a module
set to None in sys.modules makes that import fail as if it were not installed. Hidden only for
the `with` block and only if not yet imported, so a later import of it works.

`PackageImport` is the other half: a package whose own `__init__` must run differently (with a
module hidden, or later) is loaded through it, the first time anything imports it. `OnFirstUse`
is one: a module a library imports at start but calls only on a rare path is run when a name is
first asked of it.
"""

from __future__ import annotations

import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.machinery import ModuleSpec, PathFinder
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importlib.abc imports importlib.resources, pathlib, tempfile...
    from collections.abc import Sequence
    from importlib.abc import Loader
    from types import ModuleType


@contextmanager
def hidden(*names: str, even_if_imported: bool = False) -> Iterator[None]:
    """`even_if_imported`: hidden from the block even when already imported (a library that
    must never see it), and put back after."""
    kept = {name: sys.modules[name] for name in names if name in sys.modules}
    hide = list(names) if even_if_imported else [name for name in names if name not in kept]
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hide:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
            if name in kept:
                sys.modules[name] = kept[name]


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


class OnFirstUse(PackageImport):
    """The module `package` (any module, despite the name) is created at import, with its spec
    and path, but its body runs when a name it lacks is first asked of it (PEP 562's module
    `__getattr__`): `import x` and `x` passed around cost nothing, `x.f` or `from x import f`
    load it. importlib.util.LazyLoader would not do: a second `import x` statement reads
    `x.__spec__`, which loads it. Only for a module nothing uses at import time; a submodule
    can still be imported first (its package's `__path__` is there)."""

    def __init__(self, package: str) -> None:
        self.package = package

    def load(self, module: ModuleType, loader: Loader) -> None:
        lock = threading.RLock()  # another thread waits for the body rather than see it half run
        ran = False

        def complete(name: str) -> Any:
            nonlocal ran
            with lock:
                if not ran:
                    ran = True
                    try:
                        loader.exec_module(module)
                    finally:  # unless the body set a `__getattr__` of its own
                        if module.__dict__.get("__getattr__") is complete:
                            del module.__dict__["__getattr__"]
            found = module.__dict__
            if name in found:
                return found[name]
            own = found.get("__getattr__")
            if own is not None and own is not complete:
                return own(name)
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

        module.__dict__["__getattr__"] = complete
