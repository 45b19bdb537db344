"""The audit log through the API, on the embedded defaults (in-process bus and worker)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.conftest import Client

WAIT = 30.0  # a guard against hanging, not an assertion


@pytest.fixture
def client(admin_client: Client) -> Client:
    """The audit log needs audit:read (admin); admins may write the catalog too."""
    return admin_client


async def audit_items(client: AsyncTestClient[Litestar], count: int) -> list[dict[str, Any]]:
    """The audit page once it holds `count` entries (the consumer runs in the background)."""
    async with asyncio.timeout(WAIT):
        while True:
            response = await client.get("/api/v1/audit", params={"limit": 100})
            assert response.status_code == 200
            items: list[dict[str, Any]] = response.json()["items"]
            if len(items) >= count:
                return items
            await asyncio.sleep(0.02)


async def test_catalog_changes_appear_in_the_audit_log_newest_first(
    client: AsyncTestClient[Litestar],
) -> None:
    created = await client.post(
        "/api/v1/products",
        json={"sku": "TEA-1", "name": "Green tea", "price": {"amount": "4.50", "currency": "EUR"}},
        headers={"X-Request-Id": "req-audit-1"},
    )
    assert created.status_code == 201
    product_id = created.json()["id"]
    adjusted = await client.post(
        f"/api/v1/products/{product_id}/stock-adjustments", json={"delta": 5, "reason": "delivery"}
    )
    assert adjusted.status_code == 200
    renamed = await client.patch(f"/api/v1/products/{product_id}", json={"name": "Sencha"})
    assert renamed.status_code == 200
    deleted = await client.delete(f"/api/v1/products/{product_id}")
    assert deleted.status_code == 204

    items = await audit_items(client, 4)

    assert [item["type"] for item in items] == [
        "catalog.ProductDeleted",
        "catalog.ProductChanged",
        "catalog.StockAdjusted",
        "catalog.ProductCreated",
    ]
    assert {item["aggregate_id"] for item in items} == {product_id}
    assert len({item["event_id"] for item in items}) == 4
    assert all(item["actor"] == client.user_id for item in items)  # type: ignore[attr-defined]


async def test_the_audit_log_is_for_administrators_only(staff_client: Client) -> None:
    assert (await staff_client.get("/api/v1/audit")).status_code == 403
    anonymous = await staff_client.get("/api/v1/audit", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_the_audit_log_pages_with_a_cursor(client: AsyncTestClient[Litestar]) -> None:
    for n in range(5):
        response = await client.post(
            "/api/v1/products",
            json={
                "sku": f"SKU-{n}",
                "name": f"Item {n}",
                "price": {"amount": "1", "currency": "EUR"},
            },
        )
        assert response.status_code == 201
    everything = await audit_items(client, 5)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/audit", params=params)).json()
        seen.extend(item["event_id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [item["event_id"] for item in everything]


async def test_a_cursor_that_the_api_did_not_make_is_refused(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/api/v1/audit", params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("invalid-value")


async def test_messaging_stats_show_backlog_and_lag(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/api/v1/products",
        json={"sku": "STAT-1", "name": "Counted", "price": {"amount": "1", "currency": "EUR"}},
    )
    assert response.status_code == 201
    await audit_items(client, 1)

    stats = (await client.get("/api/v1/messaging/stats")).json()

    assert stats["outbox_backlog"] == 0
    # The admin's sign-up came first: identity.UserRegistered, identity.EmailVerificationRequested.
    assert stats["relay"]["published"] == 3
    assert stats["consumers"]["audit"]["applied"] == 1
    assert stats["consumers"]["audit"]["lag"] == {"catalog": 0}
