"""PlaceOrder: price the lines from the catalog, reserve their stock, record OrderPlaced.

The stock change and the append commit in one unit of work: an order never exists without its
stock, and stock is never taken for an order that was not recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.ordering.ports import OrderingUnitOfWorkFactory
from application.ordering.results import OrderChanged
from application.ordering.streams import save_order
from application.shared.idempotency import OnceRules
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.ordering.lines import MAX_LINES, OrderLine, valid_quantity
from domain.ordering.order import Order
from domain.shared.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class LineRequest:
    product_id: UUID
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder:
    customer_id: UUID
    lines: tuple[LineRequest, ...]
    # With a key, a retried request places one order and answers the first result again
    # (the wiring wraps the handler in Idempotent with PLACE_ORDER_ONCE).
    idempotency_key: str | None = None


PLACE_ORDER_ONCE: OnceRules[PlaceOrder, OrderChanged] = OnceRules(
    key=lambda command: command.idempotency_key,
    scope=lambda command: f"place-order:{command.customer_id}",  # keys are per customer
    request=lambda command: {
        "lines": [[str(line.product_id), line.quantity] for line in command.lines]
    },
    encode=lambda result: {
        "order_id": str(result.order_id),
        "version": result.version,
        "status": result.status,
    },
    decode=lambda payload: OrderChanged(
        UUID(payload["order_id"]), int(payload["version"]), str(payload["status"])
    ),
)


def _checked(lines: Sequence[LineRequest]) -> None:
    if not lines:
        raise InvalidValue("lines", "must hold at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidValue("lines", f"must hold at most {MAX_LINES} lines")
    seen: set[UUID] = set()
    for index, line in enumerate(lines):
        valid_quantity(line.quantity, f"lines[{index}].quantity")
        if line.product_id in seen:
            raise InvalidValue(f"lines[{index}].product_id", "appears in more than one line")
        seen.add(line.product_id)


class PlaceOrderHandler:
    """Rerun on a conflict by the wiring (RetriedOnConflict): nothing of a conflicting attempt is
    kept, so the next one decides afresh, under a new order id."""

    def __init__(self, uow: OrderingUnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: PlaceOrder) -> OrderChanged:
        _checked(command.lines)
        order_id = self._ids.new_id()
        now = self._clock.now()
        priced: dict[int, OrderLine] = {}
        async with self._uow() as uow:
            # Products in id order: concurrent orders lock rows in one order, no deadlock.
            by_product = sorted(enumerate(command.lines), key=lambda item: item[1].product_id)
            for index, line in by_product:
                price = await uow.stock.take(
                    line.product_id, line.quantity, reason=f"order {order_id} placed", now=now
                )
                if price is None:
                    raise InvalidValue(f"lines[{index}].product_id", "names no product")
                priced[index] = OrderLine(line.product_id, line.quantity, price)
            order = Order.place(
                id=order_id,
                customer_id=command.customer_id,
                lines=[priced[index] for index in range(len(command.lines))],
                now=now,
            )
            version = await save_order(uow, order, self._ids)
            await uow.commit()
        return OrderChanged(order_id, version, str(order.status))
