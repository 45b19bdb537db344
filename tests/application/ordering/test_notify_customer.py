"""NotifyCustomer: one notification per order event, to the order's customer."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.messaging.memory import MemoryBroker, MemoryMessageBus
from adapters.messaging.retry import RetryPolicy
from adapters.ordering.payments.fake import APPROVE
from adapters.persistence.memory.delivery_log import MemoryDeliveryLog
from application.messaging.consumers import ConsumerRunner
from application.ordering.notify_customer import NotifyCustomer
from application.ordering.pay_order import PayOrder
from application.ordering.place_order import LineRequest, PlaceOrder
from application.shared.ports.messaging import Delivery, IntegrationEvent
from application.shared.ports.notifier import Notification, NotificationFailed, Notifier
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock
from tests.support.ordering.shop import Shop

ALICE = UUID(int=1)


class Inbox(Notifier):
    """The customer's side, in memory; `fail` makes the next send fail, `fail_on` the first
    send of each of those notifications."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.fail = False
        self.fail_on: set[UUID] = set()

    async def send(self, notification: Notification) -> None:
        if self.fail or notification.id in self.fail_on:
            self.fail = False
            self.fail_on.discard(notification.id)
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


class CountingLog(MemoryDeliveryLog):
    """The memory log, counting the questions and records it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def carried_out(self, consumer: str, event_id: UUID) -> bool:
        self.calls.append("carried_out")
        return await super().carried_out(consumer, event_id)

    async def record(self, consumer: str, event_id: UUID) -> None:
        self.calls.append("record")
        await super().record(consumer, event_id)

    async def carried_out_among(self, consumer: str, event_ids: Collection[UUID]) -> set[UUID]:
        self.calls.append("carried_out_among")
        return await super().carried_out_among(consumer, event_ids)

    async def record_all(self, consumer: str, event_ids: Collection[UUID]) -> None:
        self.calls.append("record_all")
        await super().record_all(consumer, event_ids)


RETRY = RetryPolicy(max_deliveries=3, first_delay=0.01, max_delay=0.02, ack_wait=0.5)


def placed_orders(count: int) -> list[IntegrationEvent]:
    total = {"amount": "2.50", "currency": "EUR"}
    return [
        event("ordering.OrderPlaced", uuid4(), customer_id=str(ALICE), total=total)
        for _ in range(count)
    ]


async def run_until_settled(bus: MemoryMessageBus, consumer: NotifyCustomer, count: int) -> None:
    runner = ConsumerRunner(bus, [consumer])
    stats = runner.stats[consumer.name]
    await runner.start()
    try:
        async with asyncio.timeout(15.0):  # a guard against hanging, not an assertion
            while stats.applied + stats.skipped < count or await bus.lag(consumer.name, "ordering"):
                await asyncio.sleep(0.01)
    finally:
        await runner.stop()


async def test_a_batch_of_placed_orders_is_checked_and_recorded_once_and_each_sent_once(
    order: tuple[Shop, UUID],
) -> None:
    shop, _ = order
    inbox, log = Inbox(), CountingLog()
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    placed = placed_orders(4)
    await bus.publish_all(placed)

    await run_until_settled(bus, NotifyCustomer(inbox, shop.events, log), len(placed))

    assert [note.id for note in inbox.sent] == [e.id for e in placed]
    assert log.calls == ["carried_out_among", "record_all"]
    assert await log.carried_out_among("notifications", [e.id for e in placed]) == {
        e.id for e in placed
    }


async def test_a_batch_delivered_again_after_its_acks_were_lost_sends_nothing(
    order: tuple[Shop, UUID],
) -> None:
    """A worker sends and records a batch and dies before acking it: the next one is delivered
    it all again and sends none of it."""
    shop, _ = order
    inbox, log = Inbox(), CountingLog()
    broker = MemoryBroker()
    crashed_bus = MemoryMessageBus(broker, RETRY)
    placed = placed_orders(3)
    await crashed_bus.publish_all(placed)
    consumer = NotifyCustomer(inbox, shop.events, log)
    recorded = asyncio.Event()

    async def send_then_die(deliveries: Sequence[Delivery]) -> None:
        await consumer.apply_all([delivery.event for delivery in deliveries])
        recorded.set()  # and no ack: the process is gone

    crashed = await crashed_bus.subscribe_batches(
        consumer.name, send_then_die, contexts=["ordering"]
    )
    async with asyncio.timeout(15.0):
        await recorded.wait()
    await crashed.stop()
    assert [note.id for note in inbox.sent] == [e.id for e in placed]

    await run_until_settled(MemoryMessageBus(broker, RETRY), consumer, len(placed))

    assert [note.id for note in inbox.sent] == [e.id for e in placed]  # none twice


async def test_a_send_failing_in_a_batch_sends_the_others_once(order: tuple[Shop, UUID]) -> None:
    """Those sent before the failure are recorded; one at a time, the runner skips them and
    sends the rest."""
    shop, _ = order
    inbox = Inbox()
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    placed = placed_orders(4)
    inbox.fail_on = {placed[1].id}
    await bus.publish_all(placed)

    await run_until_settled(bus, NotifyCustomer(inbox, shop.events, CountingLog()), len(placed))

    assert sorted(note.id for note in inbox.sent) == sorted(e.id for e in placed)
