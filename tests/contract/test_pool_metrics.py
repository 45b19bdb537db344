"""The database pool's series on PostgreSQL (and its replica's): connections in use and idle as
they are checked out and in, and a checkout that found every connection taken counted as a wait.
Read from the metrics registry in process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.persistence.sql.database import SqlDatabase
from entrypoints.metrics.dependencies import DependencyMetrics
from tests.contract.conftest import sql_database
from tests.support.metrics import pool_figures

pytestmark = pytest.mark.postgres


def figures(metrics: DependencyMetrics, database: str = "database") -> dict[str, float]:
    return pool_figures(metrics.registry, database)


async def test_the_pool_reports_its_connections_and_the_waits_for_one(tmp_path: Path) -> None:
    url = (await sql_database("postgresql", tmp_path)).engine.url
    shown = url.render_as_string(hide_password=False)
    database = SqlDatabase(shown, pool_size=1, read_url=shown)
    metrics = DependencyMetrics()
    database.observe_pool(metrics)
    try:
        assert figures(metrics)["size"] == 1
        assert figures(metrics, "database-replica")["size"] == 1
        second_began = asyncio.Event()

        async def second() -> None:
            second_began.set()
            async with database.begin() as connection:  # waits for the first to come back
                await connection.execute(text("SELECT 1"))

        async with database.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert figures(metrics)["in_use"] == 1
            assert figures(metrics)["idle"] == 0
            waiting = asyncio.create_task(second())
            await second_began.wait()
            await asyncio.sleep(0.05)  # let it reach the pool (its wait is what is counted)
            assert not waiting.done()
        await waiting

        after = figures(metrics)
        assert after["in_use"] == 0
        assert after["idle"] == 1
        assert after["overflow"] == 0
        assert after["waits"] == 1
        assert after["waited"] > 0
        async with database.connect() as connection:  # a connection was idle: no wait
            await connection.execute(text("SELECT 1"))
        assert figures(metrics)["waits"] == 1
        async with database.reading() as connection:  # the replica's own pool
            await connection.execute(text("SELECT 1"))
        assert figures(metrics, "database-replica")["idle"] == 1
    finally:
        await database.dispose()
