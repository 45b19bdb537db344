"""The past of one order, straight from its events: its history, and the order as it was then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.projections import fold_details
from application.ordering.read_models import OrderDetails
from application.shared.ports.event_store import EventStore, RecordedEvent
from domain.ordering.errors import OrderNotFound
from domain.ordering.events import OrderPlaced
from domain.ordering.order import stream_of
from domain.shared.errors import InvalidValue
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    version: int
    type: str  # the name inside ordering ("OrderPlaced"), as the history always answered
    occurred_at: datetime
    # The event's data in its current schema (older events are upcast).
    data: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetOrderHistory:
    tenant: Tenant
    order_id: UUID
    customer_id: UUID | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetOrderAsOf:
    tenant: Tenant
    order_id: UUID
    at: datetime
    customer_id: UUID | None = None


async def _stream(
    events: EventStore, tenant: Tenant, order_id: UUID, customer_id: UUID | None
) -> list[RecordedEvent]:
    """The order's events if it is `tenant`'s (and `customer_id`'s, when given)."""
    recorded = await events.read(stream_of(order_id))
    if not recorded:
        raise OrderNotFound(order_id)
    first = ORDER_EVENT_CODEC.decode(recorded[0])
    if not isinstance(first, OrderPlaced) or first.organisation_id != tenant.organisation_id:
        raise OrderNotFound(order_id)
    if customer_id is not None and first.customer_id != customer_id:
        raise OrderNotFound(order_id)
    return recorded


class GetOrderHistoryHandler:
    def __init__(self, events: EventStore) -> None:
        self._events = events

    async def __call__(self, query: GetOrderHistory) -> list[HistoryEntry]:
        entries = []
        for recorded in await _stream(
            self._events, query.tenant, query.order_id, query.customer_id
        ):
            current = ORDER_EVENT_CODEC.encode(
                ORDER_EVENT_CODEC.decode(recorded), recorded.event_id
            )
            entries.append(
                HistoryEntry(
                    recorded.version,
                    current.type.partition(".")[2],
                    recorded.occurred_at,
                    dict(current.payload),
                )
            )
        return entries


class GetOrderAsOfHandler:
    """The order as it was at `at`, rebuilt from the events that had occurred by then."""

    def __init__(self, events: EventStore) -> None:
        self._events = events

    async def __call__(self, query: GetOrderAsOf) -> OrderDetails:
        if query.at.tzinfo is None:
            raise InvalidValue("as_of", "must carry a timezone")
        row: OrderDetails | None = None
        for recorded in await _stream(
            self._events, query.tenant, query.order_id, query.customer_id
        ):
            if recorded.occurred_at > query.at:
                break
            row = fold_details(row, ORDER_EVENT_CODEC.decode(recorded), recorded.version)
        if row is None:
            raise OrderNotFound(query.order_id)
        return row
