"""Revision 0002 (users, refresh tokens) applies, matches tables.py, downgrades, on each engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from adapters.persistence.sql.database import SqlDatabase
from entrypoints.cli.db import alembic_config
from tests.support.databases import ensure_database, with_database
from tests.support.servers import MARIADB_URL, POSTGRES_URL, require_server

ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


def database_url(engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    if engine == "postgresql":
        base = require_server(POSTGRES_URL, "PORTICO_TEST_POSTGRES_URL")
    else:
        base = require_server(MARIADB_URL, "PORTICO_TEST_MARIADB_URL")
    # A database of its own: migrations create and drop whole tables.
    url = with_database(base, f"{make_url(base).database}_identity_migrations")
    asyncio.run(ensure_database(url))
    return url


def tables(url: str) -> set[str]:
    async def read() -> set[str]:
        database = SqlDatabase(url, pool_size=1)
        try:
            async with database.engine.connect() as connection:
                names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        finally:
            await database.dispose()
        return set(names) - {"alembic_version"}

    return asyncio.run(read())


@pytest.mark.parametrize("engine", ENGINES)
def test_upgrade_check_and_downgrade(engine: str, tmp_path: Path) -> None:
    url = database_url(engine, tmp_path)
    config = alembic_config(url)
    command.downgrade(config, "base")  # a clean start, whatever an earlier run left

    command.upgrade(config, "head")
    assert {"products", "users", "refresh_tokens"} <= tables(url)
    command.check(config)  # raises when tables.py and the migrations differ

    command.downgrade(config, "0001")
    assert tables(url) == {"products"}
    command.upgrade(config, "head")
    assert {"users", "refresh_tokens"} <= tables(url)
    command.downgrade(config, "base")
    assert tables(url) == set()
