"""NotifyCustomer: one notification per order event, to the order's customer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.ordering.payments.fake import APPROVE
from adapters.persistence.memory.delivery_log import MemoryDeliveryLog
from application.ordering.notify_customer import NotifyCustomer
from application.ordering.pay_order import PayOrder
from application.ordering.place_order import LineRequest, PlaceOrder
from application.shared.ports.messaging import IntegrationEvent
from application.shared.ports.notifier import Notification, NotificationFailed, Notifier
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock
from tests.support.ordering.shop import Shop

ALICE = UUID(int=1)


class Inbox(Notifier):
    """The customer's side, in memory; `fail` makes the next send fail."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.fail = False

    async def send(self, notification: Notification) -> None:
        if self.fail:
            self.fail = False
            raise NotificationFailed("channel down")
        self.sent.append(notification)


def event(kind: str, order_id: UUID, **payload: Any) -> IntegrationEvent:
    return IntegrationEvent(
        id=uuid4(),
        type=kind,
        version=1,
        occurred_at=datetime(2026, 4, 1, tzinfo=UTC),
        aggregate_id=order_id,
        payload={"order_id": str(order_id), **payload},
    )


@pytest.fixture
async def order(clock: SteppingClock) -> tuple[Shop, UUID]:
    shop = Shop.in_memory(clock)
    tea = await shop.product("TEA")
    placed = await shop.place(
        PlaceOrder(tenant=Tenant.single(), customer_id=ALICE, lines=(LineRequest(tea, 1),))
    )
    await shop.pay(
        PayOrder(tenant=Tenant.single(), order_id=placed.order_id, payment_token=APPROVE)
    )
    return shop, placed.order_id


async def test_a_later_event_finds_its_customer_in_the_event_store(
    order: tuple[Shop, UUID],
) -> None:
    shop, order_id = order
    inbox = Inbox()
    consumer = NotifyCustomer(inbox, shop.events, MemoryDeliveryLog())
    paid = event("ordering.OrderPaid", order_id, amount={"amount": "2.50", "currency": "EUR"})

    assert await consumer(paid) is True
    [note] = inbox.sent
    assert (note.id, note.customer_id, note.subject_id) == (paid.id, ALICE, order_id)
    assert (note.topic, note.message) == ("order.paid", "We received your payment of 2.50 EUR.")


async def test_order_placed_names_its_customer(order: tuple[Shop, UUID]) -> None:
    shop, order_id = order
    inbox = Inbox()
    other = UUID(int=9)
    placed = event(
        "ordering.OrderPlaced",
        order_id,
        customer_id=str(other),
        total={"amount": "2.50", "currency": "EUR"},
    )
    assert await NotifyCustomer(inbox, shop.events, MemoryDeliveryLog())(placed)
    assert inbox.sent[0].customer_id == other


async def test_types_it_does_not_know_and_unknown_orders_send_nothing(
    order: tuple[Shop, UUID],
) -> None:
    shop, order_id = order
    inbox = Inbox()
    consumer = NotifyCustomer(inbox, shop.events, MemoryDeliveryLog())
    assert await consumer(event("ordering.OrderGiftWrapped", order_id)) is False
    assert await consumer(event("ordering.OrderShipped", uuid4())) is False
    assert inbox.sent == []


async def test_a_failed_send_raises_so_the_bus_delivers_it_again(
    order: tuple[Shop, UUID],
) -> None:
    shop, order_id = order
    inbox = Inbox()
    consumer = NotifyCustomer(inbox, shop.events, MemoryDeliveryLog())
    shipped = event("ordering.OrderShipped", order_id)
    inbox.fail = True
    with pytest.raises(NotificationFailed):
        await consumer(shipped)
    assert await consumer(shipped) is True
    assert [note.topic for note in inbox.sent] == ["order.shipped"]


async def test_a_delivery_repeated_after_a_lost_acknowledgement_sends_nothing(
    order: tuple[Shop, UUID],
) -> None:
    shop, order_id = order
    inbox = Inbox()
    deliveries = MemoryDeliveryLog()
    shipped = event("ordering.OrderShipped", order_id)
    assert await NotifyCustomer(inbox, shop.events, deliveries)(shipped) is True
    # Another worker, after the broker lost the first one's acknowledgement.
    assert await NotifyCustomer(inbox, shop.events, deliveries)(shipped) is False
    assert [note.id for note in inbox.sent] == [shipped.id]
