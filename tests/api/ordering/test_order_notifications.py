"""Customers hear about their orders: order events go through the outbox and the in-process bus
to the notifications consumer, which posts signed webhooks (PORTICO_NOTIFIER=webhook)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import NotifierSettings, Settings, SettingsError, load_settings
from tests.support.auth import bearer, create_user
from tests.support.webhook_receiver import SECRET, WebhookReceiver, webhook_receiver

ORDERS = "/api/v1/orders"
WAIT = 30.0  # a guard against hanging, not an assertion


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


async def received(receiver: WebhookReceiver, count: int) -> list[str]:
    async with asyncio.timeout(WAIT):
        while len(receiver.received) < count:
            await asyncio.sleep(0.02)
    return [note["topic"] for note in receiver.received]


async def test_place_pay_ship_notifies_the_customer(
    settings: Settings, receiver: WebhookReceiver
) -> None:
    settings = msgspec.structs.replace(
        settings,
        notifier=NotifierSettings(
            backend="webhook", webhook_url=receiver.url, webhook_secret=SECRET
        ),
    )
    container = build_container(settings)
    staff = bearer(container, await create_user(container, "staff"), "staff")
    customer = await create_user(container, "customer")
    alice = bearer(container, customer, "customer")

    async with AsyncTestClient(create_app(container)) as client:
        product = await client.post(
            "/api/v1/products",
            json={
                "sku": "TEA-1",
                "name": "Tea",
                "price": {"amount": "4.20", "currency": "EUR"},
                "stock": 5,
            },
            headers=staff,
        )
        assert product.status_code == 201, product.text
        body = {"lines": [{"product_id": product.json()["id"], "quantity": 2}]}
        placed = (await client.post(ORDERS, json=body, headers=alice)).json()
        path = f"{ORDERS}/{placed['order_id']}"
        card = {"payment_token": "tok_decline"}
        assert (await client.post(f"{path}/payment", json=card, headers=alice)).status_code == 200
        card = {"payment_token": "tok_approve"}
        assert (await client.post(f"{path}/payment", json=card, headers=alice)).status_code == 200
        assert (await client.post(f"{path}/shipment", headers=staff)).status_code == 200

        topics = await received(receiver, 4)

    assert topics == ["order.placed", "order.payment_failed", "order.paid", "order.shipped"]
    assert {note["customer_id"] for note in receiver.received} == {customer}
    assert {note["subject_id"] for note in receiver.received} == {placed["order_id"]}
    assert receiver.received[0]["message"] == "Your order is placed; its total is 8.40 EUR."
    assert "card declined" in receiver.received[1]["message"]
    assert receiver.refused == 0
    assert len(set(receiver.ids)) == 4


def test_a_webhook_notifier_needs_a_url_and_a_long_secret() -> None:
    with pytest.raises(
        SettingsError, match=r"PORTICO_NOTIFIER_WEBHOOK_URL.*PORTICO_NOTIFIER_WEBHOOK_SECRET"
    ):
        load_settings(
            {"PORTICO_NOTIFIER": "webhook", "PORTICO_NOTIFIER_WEBHOOK_SECRET": "short"},
            env_file=None,
        )
