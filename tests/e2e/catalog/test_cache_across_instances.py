"""Two `portico serve` processes with their own memory caches, one PostgreSQL, one private NATS.

Server A runs two worker processes (`PORTICO_WORKERS=2`), server B one. A read on server B is
cached there; a change through server A reaches B's cache through the
catalog's events (outbox -> `portico worker`'s relay -> NATS -> B's listener), and B serves
the new version within a bounded wait. The wait is a guard against hanging, never an
assertion on speed.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from sqlalchemy import update

from adapters.catalog.tables import products
from adapters.persistence.sql.database import SqlDatabase
from tests.e2e.conftest import ADMIN, portico_env, postgres_copy, serving_together, sign_in
from tests.support.nats import PATIENCE, PrivateNats, plain_client
from tests.support.workers import WorkerProcess

pytestmark = [pytest.mark.nats, pytest.mark.postgres]
WAIT = 30.0
NAMESPACE = "xcache"


def change_behind_the_apps_back(url: str, product_id: str, name: str) -> None:
    """A write no event tells anyone about: whoever still answers the old name has it cached."""

    async def write() -> None:
        database = SqlDatabase(url, pool_size=1)
        try:
            async with database.engine.begin() as connection:
                await connection.execute(
                    update(products).where(products.c.id == UUID(product_id)).values(name=name)
                )
        finally:
            await database.dispose()

    asyncio.run(write())


def listener_consumers(nats_url: str) -> list[str]:
    """The per-process listener consumers left on the catalog's stream."""

    async def names() -> list[str]:
        nc = await plain_client([nats_url])
        try:
            infos = await nc.jetstream(timeout=PATIENCE).consumers_info(
                f"{NAMESPACE}_CATALOG".upper()
            )
            return sorted(info.name for info in infos)
        finally:
            await nc.close()

    return asyncio.run(names())


def until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what}")
        time.sleep(0.05)


def test_a_change_through_one_server_reaches_the_others_memory_cache(
    tmp_path: Path, postgres_template: str
) -> None:
    database_url = postgres_copy(postgres_template, "xcache")
    with PrivateNats(tmp_path / "nats") as private_nats:
        env = portico_env(
            database_url=database_url,
            cache="memory",
            cache_ttl="3600",  # only an invalidation can make B forget within the test
            bus="nats",
            nats_url=private_nats.url,
            nats_namespace=NAMESPACE,
            background="worker",  # the relay runs in `portico worker`
            outbox_poll_interval="0.05",
            messaging_stats_interval="0",
        )
        worker = WorkerProcess(env, tmp_path).start()
        try:
            worker.wait_for("worker.ready")
            with (
                # A runs two worker processes: allowed with the memory cache since the bus is
                # NATS, and each of them listens for itself.
                serving_together([{**env, "PORTICO_WORKERS": "2"}, env], tmp_path) as (
                    (base_a, _),
                    (base_b, _),
                ),
                httpx.Client(base_url=base_a) as a,
                httpx.Client(base_url=base_b) as b,
            ):
                a.headers.update(sign_in(a, *ADMIN))
                b.headers.update(sign_in(b, *ADMIN))

                def listening(http: httpx.Client) -> bool:
                    stats = http.get("/api/v1/messaging/stats").json()
                    return bool(stats["listeners"]["catalog-cache"]["listening"])

                def listeners_running() -> int:
                    names = listener_consumers(private_nats.url)
                    return len([name for name in names if name.startswith("catalog-cache-")])

                until(lambda: listening(a) and listening(b), "both servers listen")
                until(lambda: listeners_running() == 3, "one listener per server process")

                created = a.post(
                    "/api/v1/products",
                    json={
                        "sku": "x-1",
                        "name": "Kettle",
                        "price": {"amount": "30", "currency": "EUR"},
                    },
                )
                assert created.status_code == 201, created.text
                url = f"/api/v1/products/{created.json()['id']}"
                # B hears ProductCreated (it counts it), then reads: the product is now cached.
                until(
                    lambda: (
                        b.get("/api/v1/messaging/stats").json()["listeners"]["catalog-cache"][
                            "applied"
                        ]
                        >= 1
                    ),
                    "B heard ProductCreated",
                )
                assert b.get(url).json()["name"] == "Kettle"

                # Proof that B answers from its cache: a write no event announces is not seen.
                change_behind_the_apps_back(database_url, created.json()["id"], "Unannounced")
                assert b.get(url).json()["name"] == "Kettle"

                changed = a.patch(url, json={"name": "Kettle 2"}, headers={"If-Match": '"1"'})
                assert changed.status_code == 200, changed.text

                seen: list[tuple[str, str]] = []

                def b_serves_the_new_version() -> bool:
                    response = b.get(url)
                    seen.append((response.headers["etag"], response.json()["name"]))
                    return seen[-1] == ('"2"', "Kettle 2")

                until(b_serves_the_new_version, "B serves the version A wrote")
            assert worker.terminate() == 0
        finally:
            if worker.process is not None and worker.process.poll() is None:
                worker.process.kill()
        listeners_after = listener_consumers(private_nats.url)

    # B never answered anything but the old version or the new one.
    assert {name for _, name in seen} <= {"Kettle", "Kettle 2"}
    # Each server process's listener was deleted when it stopped; the shared durable stays.
    assert listeners_after == ["audit"]
