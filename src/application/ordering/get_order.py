"""GetOrder: one order from the details projection, optionally waiting to read one's own write."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from uuid import UUID

from application.ordering.read_models import OrderDetails, OrderDetailsStore
from domain.ordering.errors import OrderNotFound, ProjectionBehind
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class GetOrder:
    tenant: Tenant  # another organisation's order is not found
    order_id: UUID
    # Set for a customer: someone else's order is not found.
    customer_id: UUID | None = None
    # The version a command returned: wait (briefly) until the projection shows it.
    min_version: int | None = None


class GetOrderHandler:
    def __init__(
        self, details: OrderDetailsStore, *, wait_seconds: float = 2.0, poll_seconds: float = 0.02
    ) -> None:
        self._details = details
        self._wait = wait_seconds
        self._poll = poll_seconds

    async def __call__(self, query: GetOrder) -> OrderDetails:
        deadline = time.monotonic() + self._wait
        while True:
            row = await self._details.get(query.tenant, query.order_id)
            if row is not None and query.customer_id not in (None, row.customer_id):
                raise OrderNotFound(query.order_id)
            seen = 0 if row is None else row.version
            if query.min_version is None or seen >= query.min_version:
                if row is None:
                    raise OrderNotFound(query.order_id)
                return row
            if time.monotonic() >= deadline:
                raise ProjectionBehind(query.order_id, query.min_version, seen)
            await asyncio.sleep(self._poll)
