"""SQLAlchemy's asyncio extension without its ORM, installed by entrypoints/__init__.py.

The package `sqlalchemy.ext.asyncio` imports, in its `__init__`, AsyncSession and the scoped
session, and with them the whole ORM (`sqlalchemy.orm`: 38 modules, 2.5 MB of bytecode), which
nothing here uses: the adapters work with AsyncEngine and AsyncConnection, Core only. That is
7 MB of every process that touches the database (bench/README.md). The adapters import those
from the module that defines them, `sqlalchemy.ext.asyncio.engine`; this finder lets that import
skip the package's `__init__` until something asks the package itself for a name (`from
sqlalchemy.ext.asyncio import AsyncSession`, Alembic's or a test's), which then runs it, so the
package stays whole for whoever wants it.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec, PathFinder
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.abc import Loader
    from types import ModuleType

PACKAGE = "sqlalchemy.ext.asyncio"


class AsyncioWithoutTheOrm:
    """Finds the package the usual way and gives it a `__getattr__` that runs its `__init__` on
    the first name it lacks; then steps aside (one import per process)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != PACKAGE:
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
        module.__loader__ = self.loader  # as if never wrapped
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        loader = self.loader

        def complete(name: str) -> Any:
            """A submodule (`from . import exc` in engine.py) is imported; any other name the
            package lacks runs its `__init__` now (reusing the submodules already imported),
            then is answered as it would have been."""
            if PathFinder.find_spec(f"{PACKAGE}.{name}", module.__path__) is not None:
                return importlib.import_module(f"{PACKAGE}.{name}")
            del module.__dict__["__getattr__"]
            loader.exec_module(module)
            return getattr(module, name)

        module.__dict__["__getattr__"] = complete


def install() -> None:
    if PACKAGE not in sys.modules:
        sys.meta_path.insert(0, AsyncioWithoutTheOrm())
