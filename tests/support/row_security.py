"""A PostgreSQL database whose tenant tables are guarded by row-level security, owned by a
plain role (no superuser: the policies bind it), for the tests of the second guard
(docs/tenancy.md)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import delete, event
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.row_security import TENANT_TABLES, guard_statements
from adapters.persistence.sql.schema import metadata
from tests.support.databases import recreate_database, with_database
from tests.support.servers import require_sql_server

# Cluster-wide, made once and kept (it owns the guarded tables of the test databases).
OWNER = "portico_row_security_owner"


_MADE: set[str] = set()


async def guarded_url() -> str:
    """A database of its own whose tables OWNER owns, with the tenant tables guarded as
    migrations 0017 and 0018 guard them; made once per process, emptied for each test."""
    base = require_sql_server("postgresql")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = with_database(base, f"{base.rsplit('/', 1)[1]}_rls_{worker}")
    admin = SqlDatabase(url, pool_size=1)
    try:
        if url not in _MADE:
            await recreate_database(url)
            async with admin.engine.begin() as connection:
                await ensure_owner(connection)
                await connection.exec_driver_sql(f"GRANT ALL ON SCHEMA public TO {OWNER}")
                await connection.exec_driver_sql(f"SET LOCAL ROLE {OWNER}")
                await connection.run_sync(metadata.create_all)
                for table in TENANT_TABLES:
                    if table not in metadata.tables:  # its context was removed
                        continue
                    for statement in guard_statements(table):
                        await connection.exec_driver_sql(statement)
            _MADE.add(url)
        async with admin.engine.begin() as connection:  # the superuser: no policy applies
            for table in reversed(metadata.sorted_tables):
                if table.name not in ("event_store_events", "event_store_head"):
                    await connection.execute(delete(table))
    finally:
        await admin.dispose()
    return url


async def ensure_owner(connection: AsyncConnection) -> None:
    """Make OWNER, a plain role that may log in, unless it exists (run as a superuser)."""
    # LOGIN for the start-up check's test and the e2e. Another worker may be making it too:
    # what it raises then (XX000 "tuple concurrently updated" among them) is fine.
    await connection.exec_driver_sql(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') "
        f"THEN CREATE ROLE {OWNER} LOGIN NOSUPERUSER NOBYPASSRLS; "
        f"ELSIF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = '{OWNER}') "
        f"THEN ALTER ROLE {OWNER} LOGIN; END IF; "
        "EXCEPTION WHEN duplicate_object OR unique_violation OR internal_error "
        "THEN NULL; END $$"
    )


def as_owner(database: SqlDatabase) -> SqlDatabase:
    """Every connection of `database` acts as OWNER (not a superuser: the policies bind it)."""

    def become_owner(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET ROLE {OWNER}")
        cursor.close()

    event.listen(database.engine.sync_engine, "connect", become_owner)
    return database
