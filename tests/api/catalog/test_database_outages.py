"""A SQL database that goes away under a running app: 503 problem+json naming the dependency,
with Retry-After, one log line when the outage is first seen and one when it is over, and the
app serving again once the database is back. The faults are real: the server tests stop their own
private PostgreSQL or MariaDB (never the shared ones), by pid; the SQLite test holds a write lock
from another connection past the busy timeout."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from structlog.testing import capture_logs

from adapters.persistence.sql import database as sql_database
from adapters.persistence.sql.schema import metadata
from application.shared.errors import DependencyUnavailable
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import (
    AuthSettings,
    DatabaseSettings,
    LoggingSettings,
    MaintenanceSettings,
    Settings,
)
from tests.conftest import FAST_PASSWORDS
from tests.support.auth import auth_headers
from tests.support.databases import ensure_database, with_database
from tests.support.mariadb import private_mariadb  # [adapter:mariadb]
from tests.support.postgres import private_postgres  # [adapter:postgresql]
from tests.support.private_server import PrivateServer

# A pooled connection an outage left checked out (no caller held it to give back) is found by
# the garbage collector, whose warning comes out of a finalizer: pytest reports it as an
# unraisable exception, an error here too. Each server test collects at its end.
pytestmark = [
    pytest.mark.filterwarnings(
        "error:The garbage collector is trying to clean up non-checked-in connection"
        ":sqlalchemy.exc.SAWarning"
    ),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
    # Not a connection left: asyncpg sends an interrupted query's cancel request from a task of
    # its own. For a query interrupted as the app's loop closes (a probe or a poll still running
    # on a loaded machine), that task starts after the loop's last round, the closed loop never
    # ends it, and the collector reports it later. Seen once in CI, on the private PostgreSQL.
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <coroutine object Connection._cancel at"
        ":pytest.PytestUnraisableExceptionWarning"
    ),
]

Client = AsyncTestClient[Litestar]
PRODUCTS = "/api/v1/products"
PROBLEM = "/problems/dependency-unavailable"
POOL_TIMEOUT_MS = 1_000  # the busy test's requests wait it out


def product(sku: str) -> dict[str, Any]:
    return {"sku": sku, "name": "Tea", "price": {"amount": "4.00", "currency": "EUR"}, "stock": 3}


async def create_tables(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


def sql_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        persistence="sql",
        database=DatabaseSettings(url=url, pool_size=4, pool_timeout_ms=POOL_TIMEOUT_MS),
        logging=LoggingSettings(format="json", level="WARNING"),
        auth=AuthSettings(dev_key_file=str(tmp_path / "dev-signing-key.json")),
        passwords=FAST_PASSWORDS,
        # No housekeeping: its run at the app's start overlapped the outage in most runs, and
        # its chores then raced the requests to the first `database.unavailable` line (a second
        # one, once in a CI run: its cause is not found yet). These tests are about requests.
        maintenance=MaintenanceSettings(interval=0),
    )


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["type"] == PROBLEM
    assert body["status"] == 503
    assert "database" in body["detail"]
    assert body["request_id"]


def events(logs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [line for line in logs if line.get("event") == name]


Server = PrivateServer
SERVERS = {
    "postgres": private_postgres,  # [adapter:postgresql]
    "mariadb": private_mariadb,  # [adapter:mariadb]
}


@pytest.fixture(scope="module")
def private_servers() -> Iterator[dict[str, Server]]:
    """One server per engine for the module, made when a test first asks for it: initialising
    and first starting one costs seconds (MariaDB's the most). Each test has a database of its
    own on it (the `client` fixture). A dict, not a parametrised module fixture: pytest-randomly
    interleaves the engines' tests, which would make a parametrised one again and again."""
    with contextlib.ExitStack() as stack:
        yield _Servers(stack)


class _Servers(dict[str, Server]):
    def __init__(self, stack: contextlib.ExitStack) -> None:
        super().__init__()
        self._stack = stack

    def __missing__(self, name: str) -> Server:
        self[name] = self._stack.enter_context(SERVERS[name]())
        return self[name]


@pytest.fixture(
    params=[
        pytest.param("postgres", marks=pytest.mark.postgres),  # [adapter:postgresql]
        pytest.param("mariadb", marks=pytest.mark.mariadb),  # [adapter:mariadb]
    ]
)
def server(request: pytest.FixtureRequest, private_servers: dict[str, Server]) -> Server:
    """The engine's server, running: a test stops it and starts it again, and one that failed
    in between may have left it stopped."""
    running = private_servers[request.param]
    if running.process is None:
        running.start()
    return running


@pytest.fixture
async def client(server: Server, tmp_path: Path) -> AsyncIterator[Client]:
    url = with_database(server.url, f"outage_{uuid.uuid4().hex[:12]}")
    await ensure_database(url)
    await create_tables(url)
    container = build_container(sql_settings(url, tmp_path))
    # Made on the test's loop: its pooled connection must not outlive it (the app has its own).
    headers = await auth_headers(container, "staff")
    await container.platform.sql_database().dispose()
    async with AsyncTestClient(create_app(container)) as client:
        client.headers.update(headers)
        yield client
    gc.collect()  # now, while the warning filter above holds, not in some later test


async def test_requests_answer_503_while_it_is_down_and_200_once_it_is_back(
    server: Server, client: Client
) -> None:
    assert (await client.post(PRODUCTS, json=product("before"))).status_code == 201
    assert (await client.get(PRODUCTS)).status_code == 200

    with capture_logs() as logs:
        server.stop()
        failed = []
        for n in range(10):
            # Unknown ids: no cache can answer for them, so each read goes to the database.
            failed.append(await client.get(f"{PRODUCTS}/{uuid.uuid4()}"))
            failed.append(await client.post(PRODUCTS, json=product(f"down-{n}")))
    for response in failed:
        assert_unavailable(response)
    assert len(events(logs, "database.unavailable")) == 1
    assert events(logs, "database.available") == []
    assert events(logs, "http.unhandled_error") == []

    with capture_logs() as logs:
        server.start()
        statuses = []
        deadline = time.monotonic() + 60  # a restarted server, on a loaded machine: patience
        while time.monotonic() < deadline:
            response = await client.get(f"{PRODUCTS}?limit=5")
            statuses.append(response.status_code)
            if response.status_code == 200:
                break
        assert statuses[-1] == 200, statuses
        created = await client.post(PRODUCTS, json=product("after"))
    assert created.status_code == 201, created.text
    assert set(statuses) <= {200, 503}
    assert len(events(logs, "database.available")) == 1
    assert len(events(logs, "database.unavailable")) <= 1  # a pooled connection, cut
    skus = {item["sku"] for item in (await client.get(PRODUCTS)).json()["items"]}
    assert skus == {"BEFORE", "AFTER"}  # skus are kept upper-case


async def test_a_read_on_a_connection_the_outage_cut_gives_it_back(server: Server) -> None:
    # MariaDB: a read's checkout turned autocommit on with a round trip, which failed on an idle
    # connection the server closed as it stopped. Failing there, the connection went back to
    # the pool only when the garbage collector found it. Reads have a pool of their own now,
    # its connections opened in autocommit (engine.autocommit): the SELECT fails instead.
    await ensure_database(server.url)
    database = sql_database.SqlDatabase(server.url, pool_size=1)
    try:
        async with database.begin() as connection:  # pooled, its autocommit off again
            await connection.execute(text("SELECT 1"))
        async with database.reading() as connection:  # pooled too (MariaDB: its own pool)
            await connection.execute(text("SELECT 1"))
        server.stop()
        with pytest.raises(DependencyUnavailable):
            async with database.reading() as connection:
                await connection.execute(text("SELECT 1"))
        assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        assert database.autocommit_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        gc.collect()
    finally:
        server.start()
        await database.dispose()


async def test_readiness_reports_it_down_and_up_again(server: Server, client: Client) -> None:
    server.stop()
    ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["status"] == "down"
    server.start()
    assert (await client.get("/health/ready")).status_code == 200


async def test_a_request_that_waits_out_the_pool_answers_503_busy_and_no_outage(
    client: Client,
) -> None:
    # Every pooled connection lent, as a load holds them: a read and a write each wait the
    # pool's timeout, then answer 503 dependency-busy (SQLAlchemy's pool TimeoutError was a
    # 500); the database answers, so no outage is logged and the next request is served.
    database = client.app.state["container"].platform.sql_database()
    pools = {id(engine.pool): engine for engine in (database.engine, database.autocommit_engine)}
    portal = client.blocking_portal  # the app's loop: the pool's

    async def hold() -> list[AsyncConnection]:
        return [
            await engine.connect() for engine in pools.values() for _ in range(engine.pool.size())
        ]

    async def release(held: list[AsyncConnection]) -> None:
        for connection in held:
            await connection.close()

    held = portal.call(hold)
    try:
        with capture_logs() as logs:
            busy = [
                await client.get(f"{PRODUCTS}/{uuid.uuid4()}"),  # unknown: no cache answers
                await client.post(PRODUCTS, json=product("busy")),
            ]
    finally:
        portal.call(release, held)
    for response in busy:
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["type"] == "/problems/dependency-busy"
        assert response.json()["detail"] == "the database is busy; retry later"
    assert events(logs, "database.unavailable") == []
    assert events(logs, "http.unhandled_error") == []
    assert (await client.post(PRODUCTS, json=product("busy"))).status_code == 201


async def test_readiness_stays_up_while_the_load_holds_every_pooled_connection(
    server: Server, client: Client
) -> None:
    # A busy server is not an unready one (a load balancer would drop it when it is busiest):
    # with every pooled connection held, as requests hold them under load, the database still
    # answers its probe, on a connection of the probe's own, and a check that waits for the
    # pool (the projections' lag) says degraded, not down. A database that stops is down.
    database = client.app.state["container"].platform.sql_database()
    engine, portal = database.engine, client.blocking_portal  # the app's loop: the pool's

    async def hold() -> list[AsyncConnection]:
        held = [await engine.connect() for _ in range(engine.pool.size())]
        try:  # the pool is indeed exhausted: one more waits
            async with asyncio.timeout(0.5):
                await (await engine.connect()).close()
        except TimeoutError:
            return held
        raise AssertionError("the pool lent one connection more than its size")

    async def release(held: list[AsyncConnection]) -> None:
        for connection in held:
            await connection.close()

    held = portal.call(hold)
    try:
        busy = await client.get("/health/ready")
        assert busy.status_code == 200, busy.text
        assert busy.json()["checks"]["database"]["status"] == "up"
        assert {check["status"] for check in busy.json()["checks"].values()} <= {"up", "degraded"}
        server.stop()
        down = await client.get("/health/ready")
        assert down.status_code == 503, down.text
        assert down.json()["checks"]["database"]["status"] == "down"
    finally:
        portal.call(release, held)
    server.start()
    assert (await client.get("/health/ready")).status_code == 200


async def test_a_sqlite_database_locked_past_its_busy_timeout_is_unavailable(
    tmp_path: Path,
) -> None:
    """Only writes wait for the lock: reads go on (WAL), so unlike a server that is gone, each
    write refused between two successful reads is an outage of its own in the log."""
    path = tmp_path / "locked.db"
    url = f"sqlite+aiosqlite:///{path}"
    await create_tables(url)
    container = build_container(sql_settings(url, tmp_path))
    headers = await auth_headers(container, "staff")
    database = container.platform.sql_database()
    await database.dispose()

    # The app's writers give up after 1 s instead of the engine's 5: the same refusal, sooner
    # (run after the engine's own pragmas on each new connection).
    def shorter_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=1000")
        cursor.close()

    event.listen(database.engine.sync_engine, "connect", shorter_busy_timeout)
    async with AsyncTestClient(create_app(container)) as client:
        client.headers.update(headers)
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            with capture_logs() as logs:
                holder.execute("BEGIN IMMEDIATE")  # another process's writer that never ends
                refused = await client.post(PRODUCTS, json=product("locked"))  # after 1 s
                read = await client.get(f"{PRODUCTS}?limit=5")
                holder.execute("ROLLBACK")
                created = await client.post(PRODUCTS, json=product("unlocked"))
        finally:
            holder.close()
    assert_unavailable(refused)
    assert read.status_code == 200
    assert created.status_code == 201, created.text
    assert events(logs, "database.unavailable")
    assert events(logs, "database.available")
    assert events(logs, "http.unhandled_error") == []
