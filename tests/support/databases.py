"""Throwaway SQL databases for contract and migration tests."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.persistence.sql.engine import async_url, create_engine


async def ensure_database(url: str) -> None:
    """Create the URL's database on its server if it is not there (PostgreSQL, MariaDB)."""
    target = async_url(url)
    backend = target.get_backend_name()
    if backend == "sqlite":
        return
    admin_db = "postgres" if backend == "postgresql" else "mysql"
    admin = create_async_engine(target.set(database=admin_db), isolation_level="AUTOCOMMIT")
    name = target.database
    try:
        async with admin.connect() as connection:
            if backend == "postgresql":
                found = await connection.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                )
                if not found:
                    await connection.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                await connection.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}`"))
    finally:
        await admin.dispose()


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def recreate_database(url: str, template: str | None = None) -> None:
    """Drop and create the URL's database, so a test starts from nothing; on PostgreSQL, a
    copy of the `template` database when one is named (a file copy on the server: no DDL)."""
    target = async_url(url)
    backend = target.get_backend_name()
    if backend == "sqlite":
        return
    admin = create_async_engine(
        target.set(database="postgres" if backend == "postgresql" else "mysql"),
        isolation_level="AUTOCOMMIT",
    )
    name = target.database
    try:
        async with admin.connect() as connection:
            if backend == "postgresql":
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                copied = f' TEMPLATE "{template}"' if template else ""
                await connection.execute(text(f'CREATE DATABASE "{name}"{copied}'))
            else:
                assert template is None, "templates are PostgreSQL's"
                await connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
                await connection.execute(text(f"CREATE DATABASE `{name}`"))
    finally:
        await admin.dispose()


def scalar(url: str, query: str) -> int:
    """One number read from the URL's database, outside any running loop (0 for NULL)."""

    async def read() -> int:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return int(await connection.scalar(text(query)) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(read())
