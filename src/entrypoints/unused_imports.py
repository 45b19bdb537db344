"""Modules the libraries import at start that a server calls seldom or never, installed by
entrypoints/__init__.py (bench/README.md: 1.3 MB of every process that builds the app).

- pdb: Litestar imports it for `pdb_on_exception` (off unless LITESTAR_PDB=1), and with it
  bdb, cmd, code and their imports. Run on first use.
- PyYAML: Litestar's OpenAPI plugins import it for their YAML page (which this app's
  OpenAPI settings do not serve); run on first use. dependency-injector's providers read
  `yaml.SafeLoader` when they are imported, for `Configuration.from_yaml`, which nothing here
  calls: they are imported without it, so they answer from_yaml as if PyYAML were not
  installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from entrypoints.hidden_imports import OnFirstUse, PackageImport, hidden

if TYPE_CHECKING:
    from importlib.abc import Loader
    from types import ModuleType

ON_FIRST_USE = (
    "pdb",
    "yaml",
    # [adapter:postgresql begin]
    # SQLAlchemy's PostgreSQL package imports the dialect of every driver it knows: asyncpg's
    # serves, psycopg's is read at import (the package's default); these run when a URL names
    # them (bench/README.md: 0.3 MB of the worker).
    "sqlalchemy.dialects.postgresql.pg8000",
    "sqlalchemy.dialects.postgresql.psycopg2",
    "sqlalchemy.dialects.postgresql.psycopg2cffi",
    # [adapter:postgresql end]
)


class ProvidersWithoutYaml(PackageImport):
    """Runs dependency-injector's providers module with PyYAML hidden, even once imported."""

    package = "dependency_injector.providers"

    def load(self, module: ModuleType, loader: Loader) -> None:
        with hidden("yaml", even_if_imported=True):
            loader.exec_module(module)


def install() -> None:
    ProvidersWithoutYaml().install()
    for name in ON_FIRST_USE:
        OnFirstUse(name).install()
