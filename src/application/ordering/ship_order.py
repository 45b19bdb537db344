"""ShipOrder: a paid order leaves the warehouse (staff only; the route checks the role)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.ordering.ports import OrderingUnitOfWorkFactory
from application.ordering.results import OrderChanged
from application.ordering.streams import load_order, save_order
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipOrder:
    tenant: Tenant
    order_id: UUID


class ShipOrderHandler:
    """Rerun on a conflict by the wiring (RetriedOnConflict): each run reloads the order."""

    def __init__(self, uow: OrderingUnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: ShipOrder) -> OrderChanged:
        async with self._uow() as uow:
            order = await load_order(uow.events, command.tenant, command.order_id)
            order.ship(now=self._clock.now())
            version = await save_order(uow, order, self._ids)
            await uow.commit()
        return OrderChanged(order.id, version, str(order.status))
