"""A query-side adapter chosen by the SQL engine the database URL names.

On PostgreSQL a context may read with the asyncpg driver's own calls (an adapter of its
`postgres` module); on the other engines, and on PostgreSQL where a context has no such adapter,
its SQLAlchemy Core one serves. The engine comes from the URL's scheme (SqlDatabase.backend).
"""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from entrypoints.deferred import deferred


def by_sql_engine(
    database: Any, core: type, postgresql: str | None = None
) -> providers.Selector[Any]:
    """`core` built on `database` for every engine, or on PostgreSQL the adapter named by the
    import path `postgresql` ("adapters.<context>.postgres:Name"), imported only when chosen."""
    on_core = providers.Singleton(core, database=database)
    engines: dict[str, providers.Provider[Any]] = {
        "sqlite": on_core,
        "postgresql": on_core,  # [adapter:postgresql]
        "mysql": on_core,  # [adapter:mariadb]
    }
    # [adapter:postgresql begin]
    if postgresql is not None:
        engines["postgresql"] = providers.Singleton(deferred(postgresql), database=database)
    # [adapter:postgresql end]
    return providers.Selector(database.provided.backend, **engines)
