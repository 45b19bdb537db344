"""End to end: a placed order's trace crosses processes. `portico serve` takes the request and
writes the event to the outbox (PostgreSQL); `portico worker` relays it to NATS and consumes it;
both export to one OTLP/HTTP receiver, and the worker's spans join the request's trace."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN, PATIENCE, portico_env, postgres_copy, serving, sign_in
from tests.support.nats import delete_namespace, require_nats, unique_namespace
from tests.support.otlp_receiver import OtlpReceiver, otlp_receiver
from tests.support.workers import WorkerProcess, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.nats]
CUSTOMER = {"email": "erin@example.com", "password": "a customer secret!"}


@pytest.fixture
def namespace() -> Iterator[str]:
    url, name = require_nats(), unique_namespace()
    yield name
    asyncio.run(delete_namespace(url, name))


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as running:
        yield running


def test_the_worker_spans_join_the_trace_of_the_request(
    tmp_path: Path, postgres_template: str, namespace: str, collector: OtlpReceiver
) -> None:
    database_url = postgres_copy(postgres_template, "traces_e2e")
    env = portico_env(
        environment="test",
        log_format="json",
        database_url=database_url,
        bus="nats",
        nats_url=require_nats(),
        nats_namespace=namespace,
        outbox_poll_interval="0.05",
        messaging_stats_interval="0",
        otel_enabled="true",
        otel_endpoint=collector.endpoint,
        otel_service_name="shop-api",
    )
    env["OTEL_BSP_SCHEDULE_DELAY"] = "100"  # a standard variable, read by the SDK: export soon
    worker = WorkerProcess({**env, "PORTICO_OTEL_SERVICE_NAME": "shop-worker"}, tmp_path).start()
    try:
        worker.wait_for("worker.ready")
        with (
            serving(env, tmp_path) as (url, _),
            httpx.Client(base_url=url, timeout=PATIENCE) as http,
        ):
            admin = sign_in(http, *ADMIN)
            assert http.post("/api/v1/auth/register", json=CUSTOMER).status_code == 202
            customer = sign_in(http, CUSTOMER["email"], CUSTOMER["password"])
            product = http.post(
                "/api/v1/products",
                json={
                    "sku": "MUG-1",
                    "name": "Mug",
                    "price": {"amount": "8.00", "currency": "EUR"},
                    "stock": 3,
                },
                headers=admin,
            )
            assert product.status_code == 201, product.text
            lines = {"lines": [{"product_id": product.json()["id"], "quantity": 1}]}
            placed = http.post("/api/v1/orders", json=lines, headers=customer)
            assert placed.status_code == 201, placed.text

            def consumed() -> bool:
                return any(
                    s.name == "ordering.OrderPlaced process"
                    and s.attributes.get("messaging.consumer.group.name") == "notifications"
                    for s in collector.received()
                )

            wait_until(consumed, 30, "the worker's consumer span")
    finally:
        assert worker.terminate() == 0

    [request] = [s for s in collector.received() if s.name == "POST /api/v1/orders"]
    spans = collector.trace(request.trace_id)
    by_id = {span.span_id: span for span in spans}
    assert request.service == "shop-api"
    assert any(
        "INSERT INTO outbox" in str(s.attributes.get("db.statement"))
        for s in spans
        if s.parent_id == request.span_id
    )
    [publish] = [s for s in spans if s.name == "ordering.OrderPlaced publish"]
    assert (publish.service, by_id[publish.parent_id]) == ("shop-worker", request)
    consumers = [s for s in spans if s.name == "ordering.OrderPlaced process"]
    assert consumers
    assert all(s.service == "shop-worker" and by_id[s.parent_id] is publish for s in consumers)
