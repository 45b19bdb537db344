"""ListOrders: order summaries, newest first, a page at a time, filtered by customer, status
and placement date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.ordering.read_models import (
    OrderFilter,
    OrderPosition,
    OrderSummary,
    OrderSummaryStore,
)
from application.shared.pagination import Page, check_limit, decode_cursor, encode_cursor
from domain.ordering.order import OrderStatus
from domain.shared.errors import InvalidValue
from domain.shared.tenant import Tenant

STATUSES = tuple(status.value for status in OrderStatus)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListOrders:
    # Only this organisation's orders (a cursor taken elsewhere finds none of another's).
    tenant: Tenant
    # Set for a customer (their orders only); None for staff (every order).
    customer_id: UUID | None = None
    status: str | None = None
    placed_from: datetime | None = None
    placed_until: datetime | None = None
    limit: int = 20
    cursor: str | None = None


class ListOrdersHandler:
    def __init__(self, summaries: OrderSummaryStore) -> None:
        self._summaries = summaries

    async def __call__(self, query: ListOrders) -> Page[OrderSummary]:
        limit = check_limit(query.limit)
        if query.status is not None and query.status not in STATUSES:
            raise InvalidValue("status", f"must be one of: {', '.join(STATUSES)}")
        for field, value in (
            ("placed_from", query.placed_from),
            ("placed_until", query.placed_until),
        ):
            if value is not None and value.tzinfo is None:
                raise InvalidValue(field, "must carry a timezone")
        after = OrderPosition(*decode_cursor(query.cursor)) if query.cursor else None
        where = OrderFilter(
            customer_id=query.customer_id,
            status=query.status,
            placed_from=query.placed_from,
            placed_until=query.placed_until,
        )
        rows = await self._summaries.page(query.tenant, where=where, after=after, limit=limit + 1)
        items = rows[:limit]
        cursor = None
        if len(rows) > limit:
            cursor = encode_cursor(items[-1].placed_at, items[-1].order_id)
        return Page(items, cursor)
