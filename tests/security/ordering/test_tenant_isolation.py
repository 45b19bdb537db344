"""Cross-tenant attacks on ordering over HTTP (issue 17, items 3 and 4): with tenancy on, an order
belongs to the organisation it was placed in; a member of another organisation who knows its id
gets 404 on every route (get, as_of, history, payment, shipment, cancellation), lists nothing of
it, and changes neither the order nor its stock. The same Idempotency-Key in two organisations
places two orders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from entrypoints.settings import Settings, TenancySettings
from tests.support.mail import mail_app, now_clock
from tests.support.organisations.members import create_organisation, verified_user

Client = AsyncTestClient[Litestar]
PRODUCTS = "/api/v1/products"
ORDERS = "/api/v1/orders"
APPROVE = {"payment_token": "tok_approve"}


@pytest.fixture
async def tenancy(settings: Settings) -> AsyncIterator[tuple[Container, Client]]:
    on = msgspec.structs.replace(
        settings, tenancy=TenancySettings(enabled=True, requests_per_minute=1000)
    )
    async with mail_app(on, now_clock()) as (container, client):
        yield container, client


def acting(headers: dict[str, str], organisation: dict[str, Any]) -> dict[str, str]:
    return {**headers, "X-Organisation-Id": str(organisation["id"])}


async def staff_in(container: Container, client: Client, *names: str) -> list[dict[str, str]]:
    """One staff member (orders:create, orders:manage) owning a new organisation per name: their
    headers acting within each."""
    _, headers = await verified_user(container, None, "staff")
    return [acting(headers, await create_organisation(client, headers, name)) for name in names]


async def tea_order(client: Client, headers: dict[str, str], **extra: str) -> dict[str, Any]:
    """A product of the organisation `headers` act within (stock 5), and an order of 2 of it."""
    product = await client.post(
        PRODUCTS,
        json={
            "sku": f"TEA-{uuid4().hex[:8].upper()}",
            "name": "Green tea",
            "price": {"amount": "4.20", "currency": "EUR"},
            "stock": 5,
        },
        headers=headers,
    )
    assert product.status_code == 201, product.text
    lines = {"lines": [{"product_id": product.json()["id"], "quantity": 2}]}
    placed = await client.post(ORDERS, json=lines, headers={**headers, **extra})
    assert placed.status_code == 201, placed.text
    return {"product": product.json()["id"], **placed.json()}


async def test_another_organisations_order_answers_404_on_every_route(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    [a] = await staff_in(container, client, "A")
    [b] = await staff_in(container, client, "B")
    placed, paid = await tea_order(client, a), await tea_order(client, a)
    assert (
        await client.post(f"{ORDERS}/{paid['order_id']}/payment", json=APPROVE, headers=a)
    ).status_code == 200
    await container.ordering.projector().catch_up()

    attempts = []
    for order in (placed, paid):
        url = f"{ORDERS}/{order['order_id']}"
        attempts += [
            await client.get(url, headers=b),
            await client.get(url, params={"as_of": "2999-01-01T00:00:00Z"}, headers=b),
            await client.get(f"{url}/history", headers=b),
            await client.post(f"{url}/payment", json=APPROVE, headers=b),
            await client.post(f"{url}/cancellation", json={"reason": "mine"}, headers=b),
        ]
    attempts.append(await client.post(f"{ORDERS}/{paid['order_id']}/shipment", headers=b))
    b_list = await client.get(ORDERS, headers=b)

    for refused in attempts:
        assert refused.status_code == 404, refused.text
        assert refused.json()["type"] == "/problems/order-not-found"
    assert b_list.status_code == 200
    assert b_list.json() == {"items": [], "next_cursor": None}
    await container.ordering.projector().catch_up()
    a_list = await client.get(ORDERS, headers=a)
    statuses = {item["id"]: item["status"] for item in a_list.json()["items"]}
    assert statuses == {placed["order_id"]: "placed", paid["order_id"]: "paid"}
    for order in (placed, paid):
        product = await client.get(f"{PRODUCTS}/{order['product']}", headers=a)
        assert product.json()["stock"] == 3  # nothing put back by B's cancellation


async def test_a_cursor_of_one_organisation_lists_nothing_of_it_in_another(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    [a] = await staff_in(container, client, "A")
    [b] = await staff_in(container, client, "B")
    for _ in range(3):
        await tea_order(client, a)
    await container.ordering.projector().catch_up()
    first = await client.get(ORDERS, params={"limit": 1}, headers=a)
    cursor = first.json()["next_cursor"]
    assert cursor is not None

    from_b = await client.get(ORDERS, params={"limit": 10, "cursor": cursor}, headers=b)

    assert from_b.status_code == 200, from_b.text
    assert from_b.json() == {"items": [], "next_cursor": None}


async def test_one_idempotency_key_places_one_order_in_each_organisation(
    tenancy: tuple[Container, Client],
) -> None:
    # One person in two organisations, retrying with one key: each organisation gets its order.
    container, client = tenancy
    a, b = await staff_in(container, client, "A", "B")
    key = {"Idempotency-Key": "same-key"}

    in_a = await tea_order(client, a, **key)
    in_b = await tea_order(client, b, **key)
    lines = {"lines": [{"product_id": in_a["product"], "quantity": 2}]}
    again_in_a = await client.post(ORDERS, json=lines, headers={**a, **key})

    assert in_a["order_id"] != in_b["order_id"]
    assert again_in_a.status_code == 201, again_in_a.text
    assert again_in_a.json()["order_id"] == in_a["order_id"]
    await container.ordering.projector().catch_up()
    for headers, order in ((a, in_a), (b, in_b)):
        listed = await client.get(ORDERS, headers=headers)
        assert [item["id"] for item in listed.json()["items"]] == [order["order_id"]]
