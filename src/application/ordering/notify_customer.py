"""NotifyCustomer: the consumer that tells a customer what happened to their order.

It receives the ordering context's integration events and sends one Notification each through
the Notifier port. The customer is in OrderPlaced; for later events it comes from the order's
first event in the event store (committed in the same transaction as the outbox row, so it is
there). Delivery is at least once: a failed send raises, the bus delivers the event again later.
A send is recorded in the DeliveryLog, so a delivery repeated because its acknowledgement was
lost (a broker node died) sends nothing; only a worker killed between the send and the record
sends again, with the same notification id (the event's) for the receiver to drop.

What one fetch from the bus brings is checked in the log and recorded in it together (two round
trips for the batch instead of two per event; most are OrderPlaced, whose customer is in the
event); the sends stay one per event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from application.messaging.consumers import BatchConsumer, event_span
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.order_events import ORDERING_EVENTS
from application.shared.ports.event_store import EventStore
from application.shared.ports.inbox import AlreadyApplied, DeliveryLog
from application.shared.ports.messaging import IntegrationEvent
from application.shared.ports.notifier import Notification, Notifier
from application.shared.ports.tracing import NoTracing, Tracing
from domain.ordering.events import OrderPlaced
from domain.ordering.order import stream_of


def _amount(money: dict[str, str]) -> str:
    return f"{money['amount']} {money['currency']}"


# A type's topic and the message made of its payload.
_Message = tuple[str, Callable[[dict[str, Any]], str]]
_MESSAGES: dict[str, _Message] = {
    "OrderPlaced": (
        "order.placed",
        lambda p: f"Your order is placed; its total is {_amount(p['total'])}.",
    ),
    "OrderPaid": ("order.paid", lambda p: f"We received your payment of {_amount(p['amount'])}."),
    "PaymentFailed": (
        "order.payment_failed",
        lambda p: f"Your payment did not go through ({p['reason']}); you may pay again.",
    ),
    "OrderShipped": ("order.shipped", lambda p: "Your order is on its way."),
    "OrderCancelled": ("order.cancelled", lambda p: "Your order is cancelled."),
    "OrderRefunded": ("order.refunded", lambda p: f"We refunded {_amount(p['amount'])}."),
}


class NotifyCustomer(BatchConsumer):
    name = "notifications"
    contexts = (ORDERING_EVENTS.context,)

    def __init__(
        self,
        notifier: Notifier,
        events: EventStore,
        deliveries: DeliveryLog,
        tracing: Tracing | None = None,
    ) -> None:
        self._notifier = notifier
        self._events = events
        self._deliveries = deliveries
        self._tracing = tracing or NoTracing()

    async def __call__(self, event: IntegrationEvent) -> bool:
        found = _message_for(event)
        if found is None:
            return False  # a type this version does not tell customers about
        if await self._deliveries.carried_out(self.name, event.id):
            return False
        if not await self._send(event, found):
            return False
        await self._deliveries.record(self.name, event.id)
        return True

    async def apply_all(self, events: Sequence[IntegrationEvent]) -> None:
        told = [(event, found) for event in events if (found := _message_for(event)) is not None]
        carried_out = await self._deliveries.carried_out_among(
            self.name, [event.id for event, _ in told]
        )
        if carried_out:  # a redelivery: one at a time, each sent one skipped
            raise AlreadyApplied(f"{self.name} already sent {len(carried_out)} of the batch")
        sent: list[UUID] = []
        try:
            for event, found in told:
                # Each send in the trace of the request that placed its order, as one at a time.
                with event_span(self._tracing, self.name, event):
                    if await self._send(event, found):
                        sent.append(event.id)
        finally:
            # Those sent before a failed send are recorded too: one at a time (the runner's
            # fallback, or the next delivery) then sends only the others.
            await self._deliveries.record_all(self.name, sent)

    async def _send(self, event: IntegrationEvent, found: _Message) -> bool:
        """Send the event's notification; False if its order is unknown (nothing to send)."""
        customer = await self._customer_of(event)
        if customer is None:
            return False
        topic, message = found
        await self._notifier.send(
            Notification(
                id=event.id,
                customer_id=customer,
                topic=topic,
                subject_id=event.aggregate_id,
                message=message(event.payload),
                occurred_at=event.occurred_at,
                details=dict(event.payload),
            )
        )
        return True

    async def _customer_of(self, event: IntegrationEvent) -> UUID | None:
        if "customer_id" in event.payload:
            return UUID(str(event.payload["customer_id"]))
        first = await self._events.read(stream_of(event.aggregate_id))
        if not first:
            return None
        placed = ORDER_EVENT_CODEC.decode(first[0])
        return placed.customer_id if isinstance(placed, OrderPlaced) else None


def _message_for(event: IntegrationEvent) -> _Message | None:
    if event.context != ORDERING_EVENTS.context:
        return None
    return _MESSAGES.get(event.type.partition(".")[2])
