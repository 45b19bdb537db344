"""PORTICO_PAYMENTS=http behind its circuit breaker, through the API: a provider that fails opens
the breaker; payment answers 503 with Retry-After at once, the order stays placed, /health/ready
says degraded, the change is logged; when the provider is back the breaker closes."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from adapters.ordering.payments.breaker import PaymentBreaker, payment_breaker
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import PaymentSettings, Settings
from tests.support.auth import auth_headers
from tests.support.ordering.payment_provider import (
    PATIENCE,
    LoopbackProvider,
    loopback_provider,
)

ORDERS = "/api/v1/orders"


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> Iterator[LoopbackProvider]:
    with loopback_provider() as running:
        yield running


async def test_an_open_breaker_answers_503_and_keeps_the_order_placed(
    settings: Settings, provider: LoopbackProvider
) -> None:
    settings = msgspec.structs.replace(
        settings,
        payments=PaymentSettings(
            backend="http",
            provider_url=provider.url,
            timeout=PATIENCE,  # no answer here is slow: the bound is patience
            attempts=1,
            breaker_failures=2,
            breaker_reset_ms=30_000,
        ),
    )
    container = build_container(settings)
    clock = ManualClock()
    breaker = PaymentBreaker(payment_breaker(failure_threshold=2, reset_timeout=30, clock=clock))
    container.ordering.payment_breaker.override(providers.Object(breaker))
    app = create_app(container)
    staff = await auth_headers(container, "staff")
    alice = await auth_headers(container, "customer")

    async with AsyncTestClient(app) as client:
        assert (await client.get("/health/ready")).json()["checks"]["payments"]["status"] == "up"
        created = await client.post(
            "/api/v1/products",
            json={
                "sku": "T-1",
                "name": "Tea",
                "price": {"amount": "4.00", "currency": "EUR"},
                "stock": 3,
            },
            headers=staff,
        )
        body = {"lines": [{"product_id": created.json()["id"], "quantity": 1}]}
        response = await client.post(ORDERS, json=body, headers=alice)
        assert response.status_code == 201, response.text
        placed = response.json()
        payment = f"{ORDERS}/{placed['order_id']}/payment"
        card = {"payment_token": "tok_approve"}

        provider.fail_next = 100
        with capture_logs() as logs:
            failures = [await client.post(payment, json=card, headers=alice) for _ in range(2)]
            requests = provider.requests
            refused = await client.post(payment, json=card, headers=alice)
        assert [response.status_code for response in failures] == [503, 503]
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "30"
        assert provider.requests == requests  # the open breaker did not call the provider
        assert {
            "event": "payments.circuit_changed",
            "previous": "closed",
            "state": "open",
        }.items() <= (
            next(log for log in logs if log["event"] == "payments.circuit_changed").items()
        )

        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["payments"]["status"] == "degraded"
        order = await client.get(
            f"{ORDERS}/{placed['order_id']}", params={"min_version": 1}, headers=alice
        )
        assert order.json()["status"] == "placed"
        assert order.json()["version"] == 1

        provider.fail_next = 0
        clock.now += 30
        paid = await client.post(payment, json=card, headers=alice)
        assert paid.status_code == 200, paid.text
        assert paid.json()["status"] == "paid"
        assert provider.approved_charges == 1
        assert (await client.get("/health/ready")).json()["checks"]["payments"]["status"] == "up"
