"""Reads cancelled at any point (a timeout, a client gone) give their connections back.

On SQLite a read's checkout awaits aiosqlite's thread (the autocommit level set, then reset),
and a read cancelled there left its connection lent for good: a burst of them took every
connection of the pool, and every read after them waited the pool's timeout
(adapters/persistence/sql/reading.py, `_autocommit_checkout`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.persistence.sql.database import SqlDatabase
from tests.contract.conftest import STORES, sql_database

SQL_STORES = [store for store in STORES if getattr(store, "values", (store,))[0] != "memory"]
# Cancelled after each of these pauses in turn, eight reads at a time: every point of a read,
# from its checkout to its checkin, is hit many times over (a read takes about 1 ms on SQLite).
PAUSES = [step * 0.0005 for step in range(40)]
ROUNDS = 200


@pytest.fixture(params=SQL_STORES)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> SqlDatabase:
    return await sql_database(request.param, tmp_path)


async def test_reads_cancelled_anywhere_give_their_connections_back(database: SqlDatabase) -> None:
    async def read() -> None:
        async with database.reading() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        for round_ in range(ROUNDS):
            reads = [asyncio.create_task(read()) for _ in range(8)]
            await asyncio.sleep(PAUSES[round_ % len(PAUSES)])
            for task in reads:
                task.cancel()
            await asyncio.gather(*reads, return_exceptions=True)
        for _ in range(100):  # the closes of the last reads end in tasks of their own
            if database.autocommit_engine.sync_engine.pool.checkedout() == 0:
                break
            await asyncio.sleep(0.01)

        assert database.autocommit_engine.sync_engine.pool.checkedout() == 0
        async with asyncio.timeout(5):  # a pool with none left would wait its 30 s
            await read()
    finally:
        await database.dispose()
