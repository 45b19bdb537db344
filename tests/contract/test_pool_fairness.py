"""The database pool lends a returned connection to the checkout that has waited longest, not to
one that arrives as it comes back: a waiter overtaken goes back to the end of the line, and its
wait has no bound (the p99 of 32 requests on 10 connections, bench/README.md "Session 17").
On PostgreSQL, for both checkouts of the pool: the driver's own (reading.driver_checkout, the
reads' and the orders') and the engine's (a unit of work's). The order is asserted, not times.
A wait past the pool's timeout fails with the pool's own error and leaves the line as it was."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

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


async def _driver_checks_out(database: SqlDatabase) -> None:
    _driver, checkin = await driver_checkout(database)
    await checkin()


async def _engine_checks_out(database: SqlDatabase) -> None:
    await (await database.engine.connect()).close()


@pytest.mark.parametrize("checkout", [_driver_checks_out, _engine_checks_out])
async def test_a_wait_past_the_pool_timeout_fails_and_the_connection_goes_to_the_next(
    checkout: Callable[[SqlDatabase], Awaitable[None]], tmp_path: Path
) -> None:
    made = await sql_database("postgresql", tmp_path)
    url = made.engine.url.render_as_string(hide_password=False)
    await made.dispose()
    database = SqlDatabase(url, pool_size=1)
    pool = database.engine.sync_engine.pool
    try:
        _held, checkin = await driver_checkout(database)  # the pool's one connection
        # A waiter on the pool's 30 s first: the one that times out is behind it in the line,
        # and its deadline comes before the one the queue's timer was armed for.
        patient = asyncio.create_task(_driver_checks_out(database))
        await asyncio.sleep(0.05)
        pool._timeout = 0.05  # type: ignore[attr-defined]
        with pytest.raises(PoolTimeout, match="QueuePool limit of size 1"):
            await asyncio.wait_for(checkout(database), 10)
        pool._timeout = 30  # type: ignore[attr-defined]
        assert not patient.done()
        await checkin()
        await asyncio.wait_for(patient, 10)  # the connection went to the waiter left
        await asyncio.wait_for(checkout(database), 10)  # and is back in the pool
    finally:
        await database.dispose()
