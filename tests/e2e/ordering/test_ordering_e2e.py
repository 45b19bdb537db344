"""End to end: place -> pay -> ship through a real `portico serve` on PostgreSQL, with the Redis
cache (a private redis-server), the NATS bus (a namespace of its own) and a `portico worker`.

The projection (kept by the projector in `portico worker`, where PORTICO_BACKGROUND=auto puts it
with NATS) shows the final state, the
catalog read through Redis shows the reserved stock, and the worker's notifications consumer
tells the customer about each step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN, PATIENCE, portico_env, postgres_copy, serving, sign_in
from tests.support.nats import delete_namespace, require_nats, unique_namespace
from tests.support.redis import PrivateRedis, private_redis
from tests.support.workers import WorkerProcess, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.nats]
CUSTOMER = {"email": "dana@example.com", "password": "a customer secret!"}


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    with private_redis() as running:
        yield running


@pytest.fixture
def namespace() -> Iterator[str]:
    url, name = require_nats(), unique_namespace()
    yield name
    asyncio.run(delete_namespace(url, name))


def test_place_pay_ship_on_postgresql_redis_and_nats(
    tmp_path: Path, postgres_template: str, redis_server: PrivateRedis, namespace: str
) -> None:
    database_url = postgres_copy(postgres_template, "orders_e2e")
    env = portico_env(
        environment="test",
        log_format="json",
        log_level="INFO",
        access_log="false",
        database_url=database_url,
        cache="redis",
        redis_url=redis_server.url,
        cache_prefix=namespace,
        bus="nats",
        nats_url=require_nats(),
        nats_namespace=namespace,
        outbox_poll_interval="0.05",
        messaging_stats_interval="0",
    )
    worker = WorkerProcess(env, tmp_path).start()
    try:
        worker.wait_for("worker.started")
        started = next(line for line in worker.lines if line.get("event") == "worker.started")
        assert started["projector"] is True
        with (
            serving(env, tmp_path) as (url, _),
            httpx.Client(base_url=url, timeout=PATIENCE) as http,
        ):
            admin = sign_in(http, *ADMIN)
            assert http.post("/api/v1/auth/register", json=CUSTOMER).status_code == 202
            customer = sign_in(http, CUSTOMER["email"], CUSTOMER["password"])
            me = http.get("/api/v1/users/me", headers=customer).json()["id"]

            product = http.post(
                "/api/v1/products",
                json={
                    "sku": "KETTLE-1",
                    "name": "Kettle",
                    "price": {"amount": "30.00", "currency": "EUR"},
                    "stock": 5,
                },
                headers=admin,
            ).json()
            assert http.get(f"/api/v1/products/{product['id']}").json()["stock"] == 5  # cached

            lines = {"lines": [{"product_id": product["id"], "quantity": 2}]}
            placed = http.post(
                "/api/v1/orders", json=lines, headers={**customer, "Idempotency-Key": "e2e-1"}
            )
            assert placed.status_code == 201, placed.text
            order = f"/api/v1/orders/{placed.json()['order_id']}"
            paid = http.post(
                f"{order}/payment", json={"payment_token": "tok_approve"}, headers=customer
            )
            assert paid.status_code == 200, paid.text
            shipped = http.post(f"{order}/shipment", headers=admin)
            assert shipped.status_code == 200, shipped.text
            version = shipped.json()["version"]

            final = http.get(order, params={"min_version": version}, headers=customer)

            # A list has no min_version: its projection follows the order's on its own, so it
            # may show the shipment a moment after the details do (docs/ordering.md).
            def shipped_listed() -> list[str]:
                page = http.get("/api/v1/orders", params={"status": "shipped"}, headers=customer)
                return [item["id"] for item in page.json()["items"]]

            wait_until(lambda: shipped_listed() != [], 10, "the shipped order in the list")
            listed = shipped_listed()
            history = http.get(f"{order}/history", headers=admin)
            stock = http.get(f"/api/v1/products/{product['id']}").json()["stock"]
            ready = http.get("/health/ready").json()

        assert final.status_code == 200, final.text
        assert final.json()["status"] == "shipped"
        assert final.json()["total"] == {"amount": "60.00", "currency": "EUR"}
        assert final.json()["customer_id"] == me
        assert listed == [placed.json()["order_id"]]
        assert [event["type"] for event in history.json()["events"]] == [
            "OrderPlaced",
            "OrderPaid",
            "OrderShipped",
        ]
        assert stock == 3  # the order's stock change invalidated the cached product
        assert ready["checks"]["cache"]["status"] == "up"
        assert ready["checks"]["bus"]["status"] == "up"
        assert ready["checks"]["projections"]["status"] == "up"

        def notified() -> list[str]:
            return [
                str(line.get("topic"))
                for line in worker.lines
                if line.get("event") == "notification.sent" and line.get("customer_id") == me
            ]

        wait_until(lambda: len(notified()) >= 3, what="three notifications")
        assert notified() == ["order.placed", "order.paid", "order.shipped"]
    finally:
        assert worker.terminate() == 0
