"""Revision 0002 (outbox, inbox, audit log) applies, matches tables.py, and reverts, everywhere."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url

from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.tables import metadata
from entrypoints.cli.db import alembic_config
from tests.support.databases import ensure_database, with_database
from tests.support.servers import MARIADB_URL, POSTGRES_URL, require_server

MESSAGING_TABLES = {"outbox", "processed_events", "audit_log"}


def _database_url(engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    url, variable = {
        "postgresql": (POSTGRES_URL, "PORTICO_TEST_POSTGRES_URL"),
        "mariadb": (MARIADB_URL, "PORTICO_TEST_MARIADB_URL"),
    }[engine]
    require_server(url, variable)
    # A database of its own: migrating must not disturb the contract suites' tables.
    return with_database(url, f"{make_url(url).database}_migrations")


async def _inspect(url: str) -> tuple[set[str], list[Any]]:
    engine = create_engine(url, pool_size=1)

    def look(connection: Connection) -> tuple[set[str], list[Any]]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return set(inspect(connection).get_table_names()), compare_metadata(context, metadata)

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(look)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "engine",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ],
)
def test_0002_upgrades_matches_the_tables_and_downgrades(engine: str, tmp_path: Path) -> None:
    url = _database_url(engine, tmp_path)
    asyncio.run(ensure_database(url))
    config = alembic_config(url)
    command.downgrade(config, "base")

    command.upgrade(config, "head")
    tables, differences = asyncio.run(_inspect(url))
    assert tables >= MESSAGING_TABLES
    assert differences == []

    command.downgrade(config, "0001")
    tables, _ = asyncio.run(_inspect(url))
    assert tables.isdisjoint(MESSAGING_TABLES)
    assert "products" in tables

    command.upgrade(config, "head")
    command.downgrade(config, "base")
    tables, _ = asyncio.run(_inspect(url))
    assert tables <= {"alembic_version"}
