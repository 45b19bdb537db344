"""Ordering's part of a person's data export: their orders, as the order details show them.

Orders hold no personal data besides the customer's id (no name, no address, no email), so an
account deletion leaves them as they are: they keep the id of an account that is now erased.
The export holds the person's orders in every organisation (each names its `organisation_id`):
their data is theirs wherever they ordered.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

from application.ordering.read_models import (
    OrderDetailsStore,
    OrderPosition,
    OrderSummaryStore,
)
from application.shared.ports.personal_data import PersonalDataSection
from domain.shared.tenant import Tenant

_PAGE = 100


class CustomerOrders(PersonalDataSection):
    name = "orders"

    def __init__(self, summaries: OrderSummaryStore, details: OrderDetailsStore) -> None:
        self._summaries = summaries
        self._details = details

    async def export(self, user_id: UUID) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = []
        page = await self._summaries.page_of_customer(user_id, after=None, limit=_PAGE)
        while page:
            for summary in page:
                details = await self._details.get(Tenant(summary.organisation_id), summary.order_id)
                orders.append(dataclasses.asdict(details or summary))
            last = page[-1]
            page = await self._summaries.page_of_customer(
                user_id, after=OrderPosition(last.placed_at, last.order_id), limit=_PAGE
            )
        return orders
