"""Alembic environment: async, one linear history for SQLite, PostgreSQL and MariaDB.

The URL comes from the Alembic config when a caller set one (tests, `portico db`), otherwise from
PORTICO_DATABASE_URL through the application's settings.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.schema import metadata

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from entrypoints.settings import load_settings  # only when run as plain `alembic`

    return load_settings().database.url


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    is_sqlite = (connection.dialect.name if connection is not None else url or "").startswith(
        "sqlite"
    )
    context.configure(
        connection=connection,
        url=url,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=is_sqlite,
        literal_binds=connection is None,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        # [adapter:postgresql begin]
        if connection.dialect.name == "postgresql":
            # Migrations act for every tenant: the row-level security policies (0017) would
            # otherwise hide every row from a data migration run by the tables' owner.
            connection.exec_driver_sql("SET portico.tenant = '*'")
        # [adapter:postgresql end]
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(_url(), pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()
else:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run_sync(connectable)
    else:
        asyncio.run(_run_online())
