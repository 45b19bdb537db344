"""Order projections in dicts, with the same contract as the SQL projection stores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from application.ordering.read_models import (
    OrderDetails,
    OrderDetailsStore,
    OrderFilter,
    OrderPosition,
    OrderSummary,
    OrderSummaryStore,
    Row,
)
from application.shared.ports.projections import ProjectionState, ProjectionStore
from domain.shared.tenant import Tenant


@dataclass
class MemoryProjectionData:
    """Every projection's state and rows in one process (rows keyed by generation and order)."""

    states: dict[str, ProjectionState] = field(default_factory=dict)
    rows: dict[str, dict[tuple[int, UUID], Any]] = field(default_factory=dict)


class _MemoryProjectionStore(ProjectionStore[Row]):
    def __init__(self, data: MemoryProjectionData) -> None:
        self._data = data
        self._table: dict[tuple[int, UUID], Row] = data.rows.setdefault(self.name, {})

    async def state(self) -> ProjectionState:
        return self._state()

    def _state(self) -> ProjectionState:
        return self._data.states.get(self.name, ProjectionState(1, 0))

    async def rows(self, generation: int, order_ids: Iterable[UUID]) -> dict[UUID, Row]:
        found = ((order_id, self._table.get((generation, order_id))) for order_id in order_ids)
        return {order_id: row for order_id, row in found if row is not None}

    async def save(
        self, generation: int, rows: Mapping[UUID, Row], *, from_position: int, to_position: int
    ) -> bool:
        if self._state() != ProjectionState(generation, from_position):
            return False
        self._put(generation, rows)
        self._data.states[self.name] = ProjectionState(generation, to_position)
        return True

    async def begin_rebuild(self) -> int:
        live = self._state().generation
        self._keep_only(live)
        return live + 1

    async def write(self, generation: int, rows: Mapping[UUID, Row]) -> None:
        self._put(generation, rows)

    async def swap_in(self, generation: int, position: int) -> None:
        self._data.states[self.name] = ProjectionState(generation, position)
        self._keep_only(generation)

    def _put(self, generation: int, rows: Mapping[UUID, Row]) -> None:
        for order_id, row in rows.items():
            self._table[(generation, order_id)] = row

    def _keep_only(self, generation: int) -> None:
        for key in [key for key in self._table if key[0] != generation]:
            del self._table[key]

    def _live(self) -> list[Row]:
        generation = self._state().generation
        return [row for (gen, _), row in self._table.items() if gen == generation]


class MemoryOrderSummaryStore(_MemoryProjectionStore[OrderSummary], OrderSummaryStore):
    async def page(
        self, tenant: Tenant, *, where: OrderFilter, after: OrderPosition | None, limit: int
    ) -> list[OrderSummary]:
        rows = [
            row
            for row in self._live()
            if row.organisation_id == tenant.organisation_id and _matches(row, where)
        ]
        return _newest_first(rows, after, limit)

    async def page_of_customer(
        self, customer_id: UUID, *, after: OrderPosition | None, limit: int
    ) -> list[OrderSummary]:
        rows = [row for row in self._live() if row.customer_id == customer_id]
        return _newest_first(rows, after, limit)


def _newest_first(
    rows: list[OrderSummary], after: OrderPosition | None, limit: int
) -> list[OrderSummary]:
    rows.sort(key=lambda row: (row.placed_at, row.order_id), reverse=True)
    if after is not None:
        rows = [r for r in rows if (r.placed_at, r.order_id) < (after.placed_at, after.order_id)]
    return rows[:limit]


class MemoryOrderDetailsStore(_MemoryProjectionStore[OrderDetails], OrderDetailsStore):
    async def get(self, tenant: Tenant, order_id: UUID) -> OrderDetails | None:
        row = self._table.get((self._state().generation, order_id))
        if row is None or row.organisation_id != tenant.organisation_id:
            return None
        return row


def _matches(row: OrderSummary, where: OrderFilter) -> bool:
    return (
        (where.customer_id is None or row.customer_id == where.customer_id)
        and (where.status is None or row.status == where.status)
        and (where.placed_from is None or row.placed_at >= where.placed_from)
        and (where.placed_until is None or row.placed_at < where.placed_until)
    )
