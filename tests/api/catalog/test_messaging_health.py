"""/health/ready with NATS configured but unreachable: degraded, not down (writes go on)."""

from __future__ import annotations

import msgspec
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import BusSettings, Settings
from tests.support.auth import auth_headers
from tests.support.nats import bus_at_an_empty_port


async def test_an_unreachable_bus_makes_the_api_degraded_not_down(settings: Settings) -> None:
    settings = msgspec.structs.replace(
        settings,
        background="worker",
        logging=msgspec.structs.replace(settings.logging, level="ERROR"),
        bus=BusSettings(backend="nats"),
    )
    container = build_container(settings)
    bus_at_an_empty_port(container)  # no one there
    async with AsyncTestClient(create_app(container)) as client:
        admin = await auth_headers(container, "admin")
        ready = await client.get("/health/ready")
        created = await client.post(
            "/api/v1/products",
            json={
                "sku": "OFF-1",
                "name": "Still sold",
                "price": {"amount": "1", "currency": "EUR"},
            },
            headers=admin,
        )
        stats = await client.get("/api/v1/messaging/stats", headers=admin)

    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert "outbox" in ready.json()["checks"]["bus"]["detail"]
    assert created.status_code == 201
    assert stats.json() == {
        # The product's event, after the admin's sign-up (UserRegistered, a verification mail).
        "outbox_backlog": 3,
        # Each context's consumers (ordering's: tests/api/ordering/test_ordering_health.py).
        "consumers": {**stats.json()["consumers"], "audit": {"lag": {"catalog": None}}},
        # With the memory cache and NATS, this process listens for other processes' writes.
        "listeners": {
            "catalog-cache": {
                "listening": False,
                "delivered": 0,
                "applied": 0,
                "skipped": 0,
                "failed": 0,
            }
        },
    }


async def test_the_openapi_document_lists_the_audit_and_stats_routes(
    client: AsyncTestClient,
) -> None:  # type: ignore[type-arg]
    document = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/audit" in document["paths"]
    assert "/api/v1/messaging/stats" in document["paths"]
    schema = document["components"]["schemas"]["AuditEntryOut"]["properties"]
    assert set(schema) == {
        "organisation_id",
        "event_id",
        "type",
        "aggregate_id",
        "occurred_at",
        "actor",
    }
