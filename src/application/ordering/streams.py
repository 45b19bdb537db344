"""Loading an order from its stream and appending what it recorded."""

from __future__ import annotations

from uuid import UUID

from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.ports.event_store import EventStore
from application.shared.ports.ids import IdGenerator
from domain.ordering.errors import OrderNotFound
from domain.ordering.order import Order, stream_of
from domain.shared.tenant import Tenant


async def load_order(
    events: EventStore, tenant: Tenant, order_id: UUID, owner: UUID | None = None
) -> Order:
    """The order of `tenant` rebuilt from its events: another organisation's order is not found,
    and with `owner` neither is someone else's (nobody learns that an order id exists)."""
    recorded = await events.read(stream_of(order_id))
    if not recorded:
        raise OrderNotFound(order_id)
    order = Order.from_history(ORDER_EVENT_CODEC.decode(event) for event in recorded)
    if order.tenant != tenant or (owner is not None and order.customer_id != owner):
        raise OrderNotFound(order_id)
    return order


async def save_order(uow: OrderingUnitOfWork, order: Order, ids: IdGenerator) -> int:
    """Stage the order's new events for the unit of work's commit; returns the new version."""
    uow.saw(order)
    new = [ORDER_EVENT_CODEC.encode(event, ids.new_id()) for event in order.pending_events]
    version = await uow.events.append(stream_of(order.id), order.persisted_version, new)
    order.mark_persisted()
    return version
