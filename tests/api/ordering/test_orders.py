"""/api/v1/orders: place, pay, ship, cancel, read (own vs any), history, as_of, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from tests.support.auth import auth_headers

Client = AsyncTestClient[Litestar]
ORDERS = "/api/v1/orders"
Headers = dict[str, str]


async def product(client: Client, staff: Headers, *, stock: int = 10, price: str = "2.50") -> str:
    body = {
        "sku": f"SKU-{uuid4().hex[:8]}",
        "name": "Green tea",
        "price": {"amount": price, "currency": "EUR"},
        "stock": stock,
    }
    response = await client.post("/api/v1/products", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def stock_of(client: Client, product_id: str) -> int:
    stock: int = (await client.get(f"/api/v1/products/{product_id}")).json()["stock"]
    return stock


async def place(client: Client, headers: Headers, product_id: str, quantity: int = 2) -> Any:
    body = {"lines": [{"product_id": product_id, "quantity": quantity}]}
    response = await client.post(ORDERS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def read(client: Client, headers: Headers, order: Any) -> Any:
    """The order, read back at the version the last command answered."""
    path = f"{ORDERS}/{order['order_id']}?min_version={order['version']}"
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def staff(container: Container) -> Headers:
    return await auth_headers(container, "staff")


@pytest.fixture
async def alice(container: Container) -> Headers:
    return await auth_headers(container, "customer")


@pytest.fixture
async def bob(container: Container) -> Headers:
    return await auth_headers(container, "customer")


async def test_place_pay_ship_and_read_your_writes(
    client: Client, staff: Headers, alice: Headers
) -> None:
    tea = await product(client, staff, stock=5, price="3.20")

    placed = await place(client, alice, tea, quantity=2)
    assert placed["status"] == "placed"
    assert placed["version"] == 1
    assert await stock_of(client, tea) == 3

    order = await read(client, alice, placed)
    assert order["status"] == "placed"
    assert order["total"] == {"amount": "6.40", "currency": "EUR"}
    assert order["lines"] == [
        {"product_id": tea, "quantity": 2, "unit_price": {"amount": "3.20", "currency": "EUR"}}
    ]

    path = f"{ORDERS}/{placed['order_id']}"
    paid = await client.post(
        f"{path}/payment", json={"payment_token": "tok_approve"}, headers=alice
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["approved"] is True
    assert paid.json()["status"] == "paid"
    assert paid.json()["version"] == 2

    shipped = await client.post(f"{path}/shipment", headers=staff)
    assert shipped.status_code == 200, shipped.text
    assert shipped.json() == {"order_id": placed["order_id"], "version": 3, "status": "shipped"}

    final = await read(client, alice, shipped.json())
    assert final["status"] == "shipped"
    assert final["payment_reference"]
    assert final["shipped_at"] is not None


async def test_place_answers_location(client: Client, staff: Headers, alice: Headers) -> None:
    tea = await product(client, staff)
    body = {"lines": [{"product_id": tea, "quantity": 1}]}
    response = await client.post(ORDERS, json=body, headers=alice)
    assert response.status_code == 201
    assert response.headers["location"] == f"{ORDERS}/{response.json()['order_id']}"


async def test_a_declined_card_keeps_the_order_placed(
    client: Client, staff: Headers, alice: Headers
) -> None:
    placed = await place(client, alice, await product(client, staff))
    path = f"{ORDERS}/{placed['order_id']}/payment"

    declined = await client.post(path, json={"payment_token": "tok_decline"}, headers=alice)
    assert declined.status_code == 200
    assert declined.json()["approved"] is False
    assert declined.json()["decline_reason"] == "card declined"
    assert declined.json()["status"] == "placed"

    approved = await client.post(path, json={"payment_token": "tok_approve"}, headers=alice)
    assert approved.json()["approved"] is True
    assert approved.json()["version"] == declined.json()["version"] + 1


async def test_an_unavailable_provider_is_503_with_retry_after(
    client: Client, staff: Headers, alice: Headers
) -> None:
    placed = await place(client, alice, await product(client, staff))
    path = f"{ORDERS}/{placed['order_id']}"

    response = await client.post(
        f"{path}/payment", json={"payment_token": "tok_timeout"}, headers=alice
    )
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["type"] == "/problems/payment-unavailable"
    order = await read(client, alice, placed)
    assert order["status"] == "placed"
    assert order["version"] == 1


async def test_out_of_stock_is_409_naming_the_product(
    client: Client, staff: Headers, alice: Headers
) -> None:
    tea = await product(client, staff, stock=1)
    body = {"lines": [{"product_id": tea, "quantity": 2}]}
    response = await client.post(ORDERS, json=body, headers=alice)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/out-of-stock"
    assert tea in response.json()["detail"]
    assert await stock_of(client, tea) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product_id": "not-a-uuid", "quantity": 1}]}, "lines"),
        ({"lines": [{"product_id": str(uuid4()), "quantity": 0}]}, "lines"),
        ({"lines": [{"product_id": str(uuid4()), "quantity": 1}]}, "lines[0].product_id"),
        ({}, "lines"),
    ],
)
async def test_invalid_orders_are_422(
    client: Client, alice: Headers, body: dict[str, Any], field: str
) -> None:
    response = await client.post(ORDERS, json=body, headers=alice)
    assert response.status_code == 422, response.text
    assert any(error["field"].startswith(field) for error in response.json()["errors"])


async def test_idempotency_key_replays_the_first_result(
    client: Client, staff: Headers, alice: Headers
) -> None:
    tea = await product(client, staff, stock=10)
    body = {"lines": [{"product_id": tea, "quantity": 3}]}
    headers = {**alice, "Idempotency-Key": str(uuid4())}

    first = await client.post(ORDERS, json=body, headers=headers)
    again = await client.post(ORDERS, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await stock_of(client, tea) == 7

    other = {"lines": [{"product_id": tea, "quantity": 4}]}
    reused = await client.post(ORDERS, json=other, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["type"] == "/problems/idempotency-key-reused"
    assert await stock_of(client, tea) == 7


async def test_idempotency_keys_belong_to_each_customer(
    client: Client, staff: Headers, alice: Headers, bob: Headers
) -> None:
    tea = await product(client, staff)
    body = {"lines": [{"product_id": tea, "quantity": 1}]}
    key = {"Idempotency-Key": "same-key"}
    first = await client.post(ORDERS, json=body, headers={**alice, **key})
    second = await client.post(ORDERS, json=body, headers={**bob, **key})
    assert first.status_code == second.status_code == 201
    assert first.json()["order_id"] != second.json()["order_id"]


async def test_customers_cannot_see_or_touch_each_others_orders(
    client: Client, staff: Headers, alice: Headers, bob: Headers
) -> None:
    placed = await place(client, alice, await product(client, staff))
    path = f"{ORDERS}/{placed['order_id']}"

    for response in (
        await client.get(path, headers=bob),
        await client.get(path, params={"as_of": datetime.now(UTC).isoformat()}, headers=bob),
        await client.get(f"{path}/history", headers=bob),
        await client.post(f"{path}/payment", json={"payment_token": "tok_approve"}, headers=bob),
        await client.post(f"{path}/cancellation", json={}, headers=bob),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["type"] == "/problems/order-not-found"
    assert (await read(client, alice, placed))["status"] == "placed"


async def test_staff_see_everyones_orders_and_customers_their_own(
    client: Client, container: Container, staff: Headers, alice: Headers, bob: Headers
) -> None:
    tea = await product(client, staff)
    mine = await place(client, alice, tea, quantity=1)
    theirs = await place(client, bob, tea, quantity=1)
    await container.ordering.projector().catch_up()

    alices = (await client.get(ORDERS, headers=alice)).json()["items"]
    assert [item["id"] for item in alices] == [mine["order_id"]]
    everyone = (await client.get(ORDERS, headers=staff)).json()["items"]
    assert {item["id"] for item in everyone} == {mine["order_id"], theirs["order_id"]}
    staff_read = await client.get(f"{ORDERS}/{mine['order_id']}", headers=staff)
    assert staff_read.status_code == 200
    history = await client.get(f"{ORDERS}/{theirs['order_id']}/history", headers=staff)
    assert history.status_code == 200


async def test_lists_filter_on_status_and_date(
    client: Client, container: Container, staff: Headers, alice: Headers
) -> None:
    tea = await product(client, staff)
    kept = await place(client, alice, tea, quantity=1)
    dropped = await place(client, alice, tea, quantity=1)
    cancel = await client.post(
        f"{ORDERS}/{dropped['order_id']}/cancellation", json={"reason": "x"}, headers=alice
    )
    assert cancel.status_code == 200
    await container.ordering.projector().catch_up()

    placed = (await client.get(ORDERS, params={"status": "placed"}, headers=alice)).json()
    assert [item["id"] for item in placed["items"]] == [kept["order_id"]]
    cancelled = (await client.get(ORDERS, params={"status": "cancelled"}, headers=alice)).json()
    assert [item["id"] for item in cancelled["items"]] == [dropped["order_id"]]

    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    earlier = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    none = await client.get(ORDERS, params={"placed_from": later}, headers=alice)
    assert none.json()["items"] == []
    both = await client.get(
        ORDERS, params={"placed_from": earlier, "placed_until": later}, headers=alice
    )
    assert len(both.json()["items"]) == 2

    bad = await client.get(ORDERS, params={"status": "lost"}, headers=alice)
    assert bad.status_code == 422
    naive = await client.get(ORDERS, params={"placed_from": "2026-01-01T00:00:00"}, headers=alice)
    assert naive.status_code == 422


async def test_lists_page_with_a_cursor(
    client: Client, container: Container, staff: Headers, alice: Headers
) -> None:
    tea = await product(client, staff)
    ids = [(await place(client, alice, tea, quantity=1))["order_id"] for _ in range(3)]
    await container.ordering.projector().catch_up()

    first = (await client.get(ORDERS, params={"limit": 2}, headers=alice)).json()
    rest = await client.get(
        ORDERS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=alice
    )
    seen = [item["id"] for item in first["items"] + rest.json()["items"]]
    assert sorted(seen) == sorted(ids)
    assert rest.json()["next_cursor"] is None


async def test_cancel_releases_stock_and_refunds_a_paid_order(
    client: Client, staff: Headers, alice: Headers
) -> None:
    tea = await product(client, staff, stock=4)
    placed = await place(client, alice, tea, quantity=3)
    path = f"{ORDERS}/{placed['order_id']}"
    await client.post(f"{path}/payment", json={"payment_token": "tok_approve"}, headers=alice)

    cancelled = await client.post(f"{path}/cancellation", json={"reason": "gift"}, headers=alice)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert await stock_of(client, tea) == 4
    order = await read(client, alice, cancelled.json())
    assert order["cancel_reason"] == "gift"
    assert order["refund_reference"]

    again = await client.post(f"{path}/cancellation", headers=alice)
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/order-transition-not-allowed"


async def test_staff_cancel_anyones_order(client: Client, staff: Headers, alice: Headers) -> None:
    placed = await place(client, alice, await product(client, staff))
    response = await client.post(f"{ORDERS}/{placed['order_id']}/cancellation", headers=staff)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


async def test_moves_the_state_machine_refuses_are_409(
    client: Client, staff: Headers, alice: Headers
) -> None:
    placed = await place(client, alice, await product(client, staff))
    path = f"{ORDERS}/{placed['order_id']}"

    unpaid = await client.post(f"{path}/shipment", headers=staff)
    assert unpaid.status_code == 409
    await client.post(f"{path}/payment", json={"payment_token": "tok_approve"}, headers=alice)
    twice = await client.post(
        f"{path}/payment", json={"payment_token": "tok_approve"}, headers=alice
    )
    assert twice.status_code == 409


async def test_only_staff_ship(client: Client, staff: Headers, alice: Headers) -> None:
    placed = await place(client, alice, await product(client, staff))
    path = f"{ORDERS}/{placed['order_id']}"
    await client.post(f"{path}/payment", json={"payment_token": "tok_approve"}, headers=alice)

    refused = await client.post(f"{path}/shipment", headers=alice)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/forbidden"


async def test_unknown_orders_are_404(client: Client, staff: Headers) -> None:
    path = f"{ORDERS}/{uuid4()}"
    for response in (
        await client.get(path, headers=staff),
        await client.get(f"{path}/history", headers=staff),
        await client.post(f"{path}/shipment", headers=staff),
        await client.post(f"{path}/payment", json={"payment_token": "tok_approve"}, headers=staff),
    ):
        assert response.status_code == 404, response.text


async def test_every_order_route_needs_a_token(client: Client) -> None:
    path = f"{ORDERS}/{uuid4()}"
    for response in (
        await client.post(ORDERS, json={"lines": []}),
        await client.get(ORDERS),
        await client.get(path),
        await client.get(f"{path}/history"),
        await client.post(f"{path}/payment", json={"payment_token": "tok_approve"}),
        await client.post(f"{path}/shipment"),
        await client.post(f"{path}/cancellation"),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_history_and_as_of_rebuild_the_past(
    client: Client, staff: Headers, alice: Headers
) -> None:
    placed = await place(client, alice, await product(client, staff))
    path = f"{ORDERS}/{placed['order_id']}"
    await client.post(f"{path}/payment", json={"payment_token": "tok_approve"}, headers=alice)

    history = (await client.get(f"{path}/history", headers=alice)).json()
    assert [event["type"] for event in history["events"]] == ["OrderPlaced", "OrderPaid"]
    assert [event["version"] for event in history["events"]] == [1, 2]

    placed_at = history["events"][0]["occurred_at"]
    then = await client.get(path, params={"as_of": placed_at}, headers=alice)
    assert then.status_code == 200
    assert then.json()["status"] == "placed"
    assert then.json()["version"] == 1
    now = await client.get(path, params={"as_of": datetime.now(UTC).isoformat()}, headers=alice)
    assert now.json()["status"] == "paid"

    before = (datetime.fromisoformat(placed_at) - timedelta(seconds=1)).isoformat()
    assert (await client.get(path, params={"as_of": before}, headers=alice)).status_code == 404
    both = await client.get(path, params={"as_of": placed_at, "min_version": 1}, headers=alice)
    assert both.status_code == 422


async def test_a_version_not_yet_projected_is_409_after_the_wait(
    client: Client, staff: Headers, alice: Headers
) -> None:
    placed = await place(client, alice, await product(client, staff))
    response = await client.get(
        f"{ORDERS}/{placed['order_id']}", params={"min_version": 99}, headers=alice
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/projection-behind"


async def test_the_openapi_document_describes_the_order_routes(client: Client) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    operations = {
        operation["operationId"]
        for path, item in spec["paths"].items()
        if path.startswith(ORDERS)
        for operation in item.values()
    }
    assert operations == {
        "placeOrder",
        "listOrders",
        "getOrder",
        "getOrderHistory",
        "payOrder",
        "shipOrder",
        "cancelOrder",
    }
