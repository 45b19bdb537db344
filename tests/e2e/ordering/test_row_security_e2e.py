"""End to end with PostgreSQL row-level security on (docs/tenancy.md): a real `portico serve` with
tenancy on and PORTICO_POSTGRES_ROW_SECURITY=true, connected as a plain role that owns the tables
(it migrated them: superusers skip policies, and the start-up check refuses one). Two
organisations each create a product and place an order over HTTP, and neither sees the other's:
not in a list, not by id. Both are in the database, and the serving role, with no tenant
entered, reads none of them: the policies bind it.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.conftest import PATIENCE, create_admin, portico_env, run_portico, serving, sign_in
from tests.support.databases import recreate_database, with_database
from tests.support.row_security import OWNER, ensure_owner
from tests.support.servers import POSTGRES_URL, require_server
from tests.support.workers import wait_until

pytestmark = pytest.mark.postgres
ADMINS = {
    "a": ("ada@example.com", "an administrator secret"),
    "b": ("bob@example.com", "another administrator secret"),
}


async def owned_by_a_plain_role(url: str) -> None:
    """A fresh database that OWNER owns: it migrates (PostgreSQL 15's public schema is the
    database owner's) and so owns the tables."""
    await recreate_database(url)
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await ensure_owner(connection)
            await connection.exec_driver_sql(
                f'ALTER DATABASE "{make_url(url).database}" OWNER TO {OWNER}'
            )
    finally:
        await engine.dispose()


async def counts(url: str, *, role: str | None) -> dict[str, int]:
    """Rows of the tenant tables this test fills, as the superuser or as `role` (no tenant)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            if role is not None:
                await connection.exec_driver_sql(f"SET ROLE {role}")
            found = {}
            for table in ("products", "order_summaries", "order_details"):
                result = await connection.exec_driver_sql(f"SELECT count(*) FROM {table}")
                found[table] = int(result.scalar_one())
            return found
    finally:
        await engine.dispose()


def test_two_organisations_see_only_their_own_with_row_security_on(tmp_path: Path) -> None:
    base = require_server(POSTGRES_URL, "PORTICO_TEST_POSTGRES_URL")
    url = with_database(base, f"{base.rsplit('/', 1)[1]}_rls_e2e")
    asyncio.run(owned_by_a_plain_role(url))
    as_owner = make_url(url).set(username=OWNER).render_as_string(hide_password=False)
    env = portico_env(
        environment="test",
        log_format="json",
        access_log="false",
        database_url=as_owner,
        postgres_row_security="true",
        tenancy="true",
        cache="memory",
        bus="memory",
        background="auto",  # the projector runs in the server
        outbox_poll_interval="0.05",
    )
    migrated = run_portico("db", "upgrade", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    for admin in ADMINS.values():
        create_admin(env, tmp_path, *admin)

    made: dict[str, dict[str, Any]] = {}
    with (
        serving(env, tmp_path) as (server, _),
        httpx.Client(base_url=server, timeout=PATIENCE) as http,
    ):
        headers: dict[str, dict[str, str]] = {}
        for name, admin in ADMINS.items():
            signed_in = sign_in(http, *admin)
            organisation = http.post(
                "/api/v1/organisations", json={"name": f"Shop {name}"}, headers=signed_in
            )
            assert organisation.status_code == 201, organisation.text
            headers[name] = {**signed_in, "X-Organisation-Id": organisation.json()["id"]}
            product = http.post(
                "/api/v1/products",
                json={
                    "sku": f"TEA-{name}",
                    "name": f"Tea of {name}",
                    "price": {"amount": "4.00", "currency": "EUR"},
                    "stock": 5,
                },
                headers=headers[name],
            )
            assert product.status_code == 201, product.text
            order = http.post(
                "/api/v1/orders",
                json={"lines": [{"product_id": product.json()["id"], "quantity": 1}]},
                headers={**headers[name], "Idempotency-Key": f"rls-{name}"},
            )
            assert order.status_code == 201, order.text
            made[name] = {"product": product.json()["id"], "order": order.json()["order_id"]}

        def orders_listed(name: str) -> list[str]:
            listed = http.get("/api/v1/orders", headers=headers[name])
            assert listed.status_code == 200, listed.text
            return [item["id"] for item in listed.json()["items"]]

        def projected(name: str) -> bool:
            return orders_listed(name) != []

        for name, other in (("a", "b"), ("b", "a")):
            own, theirs = made[name], made[other]
            products = http.get("/api/v1/products", headers=headers[name])
            assert products.status_code == 200, products.text
            assert [item["id"] for item in products.json()["items"]] == [own["product"]]
            mine = http.get(f"/api/v1/products/{own['product']}", headers=headers[name])
            assert mine.status_code == 200, mine.text
            product = http.get(f"/api/v1/products/{theirs['product']}", headers=headers[name])
            assert product.status_code == 404, product.text
            wait_until(functools.partial(projected, name), what=f"{name}'s order projected")
            assert orders_listed(name) == [own["order"]]
            mine = http.get(f"/api/v1/orders/{own['order']}", headers=headers[name])
            assert mine.status_code == 200, mine.text
            order = http.get(f"/api/v1/orders/{theirs['order']}", headers=headers[name])
            assert order.status_code == 404, order.text

    everything = {"products": 2, "order_summaries": 2, "order_details": 2}
    assert asyncio.run(counts(url, role=None)) == everything
    assert asyncio.run(counts(url, role=OWNER)) == dict.fromkeys(everything, 0)
