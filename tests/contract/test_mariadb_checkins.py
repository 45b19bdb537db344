"""MariaDB's checkouts and checkins (engine.autocommit, engine._roll_back_if_in_transaction): a
read sends its statement and nothing else, a committed unit of work no ROLLBACK after its
COMMIT, a connection is never lent again inside a transaction (counted by the server, on the
connection's own session: SHOW SESSION STATUS), and the reads' own pool is observed as
`database-autocommit`. Pools of one connection."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.database import SqlDatabase
from entrypoints.metrics.dependencies import DependencyMetrics
from tests.contract.conftest import sql_database
from tests.support.metrics import pool_figures

pytestmark = pytest.mark.mariadb

_COUNTED = ("Com_rollback", "Com_commit", "Com_set_option")


async def _counts(connection: AsyncConnection) -> dict[str, int]:
    rows = await connection.execute(text("SHOW SESSION STATUS LIKE 'Com_%'"))
    return {name: int(value) for name, value in rows if name in _COUNTED}


def figures(metrics: DependencyMetrics, database: str = "database") -> dict[str, float]:
    return pool_figures(metrics.registry, database)


@pytest.fixture
async def database(tmp_path: Path) -> SqlDatabase:
    made = await sql_database("mariadb", tmp_path)
    url = made.engine.url.render_as_string(hide_password=False)
    await made.dispose()
    return SqlDatabase(url, pool_size=1)


async def test_a_read_sends_its_statement_and_nothing_else(database: SqlDatabase) -> None:
    # On the shared pool: SET AUTOCOMMIT = 1, ROLLBACK, SET AUTOCOMMIT = 0, SET SESSION
    # TRANSACTION ISOLATION LEVEL and COMMIT around each read (Com_* grow by 5).
    try:
        async with database.reading() as connection:
            before = await _counts(connection)
        for _ in range(3):
            async with database.reading() as connection:
                await connection.execute(text("SELECT 1"))
        async with database.reading() as connection:
            after = await _counts(connection)
        assert after == before
    finally:
        await database.dispose()


async def test_a_committed_unit_of_work_sends_no_rollback(database: SqlDatabase) -> None:
    # The pool's own reset sent a ROLLBACK after every COMMIT.
    try:
        async with database.begin() as connection:
            before = await _counts(connection)
        async with database.begin() as connection:
            await connection.execute(text("SELECT 1"))
        async with database.begin() as connection:
            after = await _counts(connection)
        assert after["Com_rollback"] == before["Com_rollback"]
        assert after["Com_commit"] == before["Com_commit"] + 2  # begin() commits
    finally:
        await database.dispose()


async def test_an_autocommit_connection_is_never_lent_in_a_transaction(
    database: SqlDatabase,
) -> None:
    # A transaction begun on an autocommit connection, which SQLAlchemy's Connection does not
    # know of: skip_autocommit_rollback alone leaves it open as the Connection closes (the
    # server says autocommit), and the next borrower would read its REPEATABLE READ snapshot.
    try:
        async with database.connect() as connection:
            await connection.exec_driver_sql("START TRANSACTION")
            await connection.execute(text("SELECT 1"))
            assert (await connection.scalar(text("SELECT @@in_transaction"))) == 1
        async with database.connect() as connection:
            assert (await connection.scalar(text("SELECT @@in_transaction"))) == 0
    finally:
        await database.dispose()


async def test_the_reads_pool_is_observed_as_its_own(database: SqlDatabase) -> None:
    # Reads wait for the reads' pool, not for the transactions' one (which stays free here).
    metrics = DependencyMetrics()
    database.observe_pool(metrics)
    try:
        assert figures(metrics, "database-autocommit")["size"] == 1
        second_began = asyncio.Event()

        async def second() -> None:
            second_began.set()
            async with database.reading() as connection:  # waits for the first read's
                await connection.execute(text("SELECT 1"))

        async with database.reading() as connection:
            await connection.execute(text("SELECT 1"))
            assert figures(metrics, "database-autocommit")["in_use"] == 1
            async with database.begin() as other:  # the transactions' pool: no wait
                await other.execute(text("SELECT 1"))
            waiting = asyncio.create_task(second())
            await second_began.wait()
            await asyncio.sleep(0.05)  # let it reach the pool (its wait is what is counted)
            assert not waiting.done()
        await waiting
        reads, transactions = figures(metrics, "database-autocommit"), figures(metrics)
        assert (reads["waits"], reads["idle"], reads["in_use"]) == (1, 1, 0)
        assert (transactions["waits"], transactions["idle"]) == (0, 1)
    finally:
        await database.dispose()
