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
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING, Any

from entrypoints.hidden_imports import PackageImport

if TYPE_CHECKING:
    from importlib.abc import Loader
    from types import ModuleType

PACKAGE = "sqlalchemy.ext.asyncio"


class AsyncioWithoutTheOrm(PackageImport):
    """Gives the package a `__getattr__` that runs its `__init__` on the first name it lacks."""

    package = PACKAGE

    def load(self, module: ModuleType, loader: Loader) -> None:
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
    AsyncioWithoutTheOrm().install()
