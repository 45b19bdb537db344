"""The database pool lends a returned connection to the checkout that has waited longest, not to
one that arrives as it comes back: a waiter overtaken goes back to the end of the line, and its
wait has no bound (the p99 of 32 requests on 10 connections, bench/README.md "Session 17").
On PostgreSQL, for both checkouts of the pool: the driver's own (reading.driver_checkout, the
reads' and the orders') and the engine's (a unit of work's). The order is asserted, not times."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.reading import driver_checkout
from tests.contract.conftest import sql_database

pytestmark = pytest.mark.postgres


async def _driver_newcomer(database: SqlDatabase) -> None:
    driver, checkin = await driver_checkout(database)
    await driver.fetchval("SELECT 1")
    await checkin()


async def _engine_newcomer(database: SqlDatabase) -> None:
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


@pytest.mark.parametrize("newcomer", [_driver_newcomer, _engine_newcomer])
async def test_a_returned_connection_goes_to_the_first_waiter_not_a_newcomer(
    newcomer: Callable[[SqlDatabase], Awaitable[None]], tmp_path: Path
) -> None:
    made = await sql_database("postgresql", tmp_path)  # this worker's database, made
    url = made.engine.url.render_as_string(hide_password=False)
    await made.dispose()
    database = SqlDatabase(url, pool_size=1)
    served: list[str] = []

    async def waiter(name: str) -> None:
        driver, checkin = await driver_checkout(database)
        served.append(name)
        await driver.fetchval("SELECT 1")
        await checkin()

    async def late() -> None:
        await newcomer(database)
        served.append("newcomer")

    try:
        _held, checkin = await driver_checkout(database)  # the pool's one connection
        first = asyncio.create_task(waiter("first waiter"))
        await asyncio.sleep(0.05)  # let it reach the pool's line
        second = asyncio.create_task(waiter("second waiter"))
        await asyncio.sleep(0.05)
        assert not first.done()
        # The newcomer's first step is due before the checkin wakes the first waiter: it
        # meets the connection back in the pool, as a request arriving then would.
        arriving = asyncio.create_task(late())
        await checkin()
        await asyncio.wait_for(asyncio.gather(first, second, arriving), 10)
        # Without the hand-off to the first waiter: ["newcomer", "second waiter", "first
        # waiter"] (the first, woken and overtaken, queued again behind the second).
        assert served == ["first waiter", "second waiter", "newcomer"]
    finally:
        await database.dispose()
