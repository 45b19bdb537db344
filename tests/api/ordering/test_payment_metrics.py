"""The payment provider's series move as orders are paid (from the registry in process): calls
by outcome, and the breaker's state once it opens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.metrics.dependencies import DependencyMetrics
from entrypoints.settings import MetricsSettings, PaymentSettings, Settings
from tests.support.auth import auth_headers
from tests.support.metrics import Samples, registry_samples
from tests.support.ordering.payment_provider import (
    PATIENCE,
    LoopbackProvider,
    loopback_provider,
)
from tests.support.servers import free_port


def series(metrics: DependencyMetrics | None) -> Samples:
    assert metrics is not None
    return registry_samples(metrics.registry)


def metered(settings: Settings, **changes: Any) -> Settings:
    return msgspec.structs.replace(settings, metrics=MetricsSettings(port=free_port()), **changes)


@pytest.fixture
def provider() -> Iterator[LoopbackProvider]:
    with loopback_provider() as running:
        yield running


async def test_payment_calls_are_counted_by_outcome_and_the_breaker_shows(
    settings: Settings, provider: LoopbackProvider
) -> None:
    payments = PaymentSettings(
        backend="http",
        provider_url=provider.url,
        timeout=PATIENCE,  # no answer here is slow: the bound is patience
        attempts=1,
        breaker_failures=2,
        breaker_reset_ms=60_000,
    )
    container = build_container(metered(settings, payments=payments))
    staff = await auth_headers(container, "staff")
    alice = await auth_headers(container, "customer")
    async with AsyncTestClient(create_app(container)) as client:
        product = {"sku": "T-1", "name": "Tea", "price": {"amount": "4.00", "currency": "EUR"}}
        created = await client.post("/api/v1/products", json={**product, "stock": 9}, headers=staff)
        body = {"lines": [{"product_id": created.json()["id"], "quantity": 1}]}

        async def pay(token: str) -> int:
            placed = await client.post("/api/v1/orders", json=body, headers=alice)
            assert placed.status_code == 201, placed.text
            payment = f"/api/v1/orders/{placed.json()['order_id']}/payment"
            answer = await client.post(payment, json={"payment_token": token}, headers=alice)
            return answer.status_code

        assert await pay("tok_approve") == 200
        assert await pay("tok_decline") == 200  # an answer: the order says declined
        provider.fail_next = 100
        assert [await pay("tok_approve") for _ in range(3)] == [503, 503, 503]

    found = series(container.platform.dependency_metrics())

    def calls(outcome: str) -> float:
        labels = frozenset({("operation", "authorize"), ("outcome", outcome)})
        return found.get(("portico_payment_calls_total", labels), 0)

    assert [calls(o) for o in ("ok", "declined", "error", "breaker_open")] == [1, 1, 2, 1]
    assert found["portico_circuit_open", frozenset({("circuit", "payment-provider")})] == 1
