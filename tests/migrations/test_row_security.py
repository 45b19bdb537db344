"""Migrations 0017 and 0018 guard exactly the tables row_security.py names (those the
database has), with its very policy."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command

from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.row_security import POLICY, TENANT_TABLES, guard_statements
from entrypoints.cli.db import alembic_config
from tests.support.databases import recreate_database, with_database
from tests.support.servers import require_sql_server

pytestmark = pytest.mark.postgres

_GUARDED = """
SELECT c.relname, c.relforcerowsecurity, p.policyname, p.qual, p.with_check, p.cmd
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_policies p ON p.schemaname = n.nspname AND p.tablename = c.relname
WHERE n.nspname = 'public' AND c.relrowsecurity ORDER BY c.relname
"""


def _guarded(url: str, setup: tuple[str, ...] = ()) -> list[tuple[object, ...]]:
    async def read() -> list[tuple[object, ...]]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:  # rolled back: the probe goes
                for statement in setup:
                    await connection.exec_driver_sql(statement)
                return [tuple(row) for row in await connection.exec_driver_sql(_GUARDED)]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _tables(url: str) -> list[str]:
    async def read() -> list[str]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                found = await connection.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
                return [row[0] for row in found]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_the_migrated_tenant_tables_carry_the_codes_policy_forced(tmp_path: Path) -> None:
    base = require_sql_server("postgresql")
    url = with_database(base, f"{base.rsplit('/', 1)[1]}_rls_migrations")
    asyncio.run(recreate_database(url))
    config = alembic_config(url)
    command.upgrade(config, "head")

    migrated = _guarded(url)
    # A fork's removed context takes its tables out of the database, and so of the guard.
    present = set(_tables(url))
    assert present & set(TENANT_TABLES), "no tenant table at all: nothing is checked"
    assert [row[0] for row in migrated] == sorted(present & set(TENANT_TABLES))
    # The code's DDL on a table of the same column, in the same database: PostgreSQL prints
    # both conditions the same way if and only if they are the same.
    probe = ("CREATE TABLE rls_probe (organisation_id uuid)", *guard_statements("rls_probe"))
    probed = [row for row in _guarded(url, probe) if row[0] == "rls_probe"]
    assert probed == [("rls_probe", True, POLICY, migrated[0][3], None, "ALL")]
    for table, forced, policy, qual, with_check, command_ in migrated:
        assert (forced, policy, qual, with_check, command_) == (
            True,
            POLICY,
            probed[0][3],
            None,
            "ALL",
        ), table

    # Each revision's own step down is test_migrations.py's (its snapshot has the policies);
    # a generated project has one squashed revision, so here: all the way down.
    command.downgrade(config, "base")
    assert _guarded(url) == []
