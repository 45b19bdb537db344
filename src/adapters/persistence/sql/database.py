"""SqlDatabase: the engine of one database, its autocommit twin for reads, and a health probe."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sql.engine import create_engine


class SqlDatabase:
    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.engine: AsyncEngine = create_engine(url, pool_size=pool_size, echo=echo)
        # Made once: execution_options() builds a new engine proxy on every call.
        self.autocommit_engine: AsyncEngine = self.engine.execution_options(
            isolation_level="AUTOCOMMIT"
        )

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    async def ping(self) -> None:
        """Raise if the database cannot run a trivial query."""
        async with self.autocommit_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def close(self) -> None:
        await self.dispose()
