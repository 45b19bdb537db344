"""Ordering's part of a person's data: their orders appear in their export (and in nobody
else's), and deleting their account keeps the orders with only the account's id."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from tests.api.identity.test_account_deletion import ME, delete_me, signed_in
from tests.api.identity.test_auth_flow import bearer
from tests.api.ordering.test_orders import place, product
from tests.support.auth import auth_headers

Client = AsyncTestClient[Litestar]


async def test_your_orders_are_in_your_export_and_in_nobody_elses(
    client: Client, container: Container
) -> None:
    ada = await signed_in(client)
    mallory = await signed_in(client, "mallory@example.com")
    staff = await auth_headers(container, "staff")
    order = await place(client, bearer(ada), await product(client, staff))
    await container.ordering.projector().catch_up()

    mine = (await client.get(f"{ME}/export", headers=bearer(ada))).json()
    theirs = await client.get(f"{ME}/export", headers=bearer(mallory))

    [exported] = mine["contexts"]["orders"]
    assert exported["order_id"] == order["order_id"]
    assert exported["customer_id"] == mine["account"]["id"]
    assert exported["lines"][0]["quantity"] == 2
    assert theirs.json()["contexts"]["orders"] == []
    assert order["order_id"] not in theirs.text


async def test_a_deleted_account_leaves_its_orders_with_only_its_id(
    client: Client, container: Container
) -> None:
    tokens = await signed_in(client)
    account_id = (await client.get(ME, headers=bearer(tokens))).json()["id"]
    staff = await auth_headers(container, "staff")
    order = await place(client, bearer(tokens), await product(client, staff))

    assert (await delete_me(client, tokens)).status_code == 204

    await container.ordering.projector().catch_up()
    kept = await client.get(f"/api/v1/orders/{order['order_id']}", headers=staff)
    assert kept.status_code == 200
    assert kept.json()["customer_id"] == account_id
    assert "ada@example.com" not in kept.text
