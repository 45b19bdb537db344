"""PlaceOrder: price the lines from the catalog, reserve their stock, record OrderPlaced.

The stock change and the append commit in one unit of work: an order never exists without its
stock, and stock is never taken for an order that was not recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid5

from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.ports import OrderingUnitOfWorkFactory
from application.ordering.results import OrderChanged
from application.ordering.streams import save_order
from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.idempotency import IdempotencyKeyReused, OnceRules
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.ordering.events import OrderPlaced
from domain.ordering.lines import MAX_LINES, OrderLine, valid_quantity
from domain.ordering.order import Order, OrderStatus, stream_of
from domain.shared.errors import InvalidValue
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True)
class LineRequest:
    product_id: UUID
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder:
    # The organisation the order belongs to, whose catalog its lines name.
    tenant: Tenant
    customer_id: UUID
    lines: tuple[LineRequest, ...]
    # With a key, a retried request places one order and answers the first result again
    # (the wiring wraps the handler in Idempotent with PLACE_ORDER_ONCE).
    idempotency_key: str | None = None


def _scope(tenant: Tenant, customer_id: UUID) -> str:
    """Keys are per customer within an organisation: the same key in two organisations places
    two orders. The single tenant keeps the scope keys had before tenancy."""
    if tenant.is_single:
        return f"place-order:{customer_id}"
    return f"place-order:{tenant.organisation_id}:{customer_id}"


PLACE_ORDER_ONCE: OnceRules[PlaceOrder, OrderChanged] = OnceRules(
    key=lambda command: command.idempotency_key,
    scope=lambda command: _scope(command.tenant, command.customer_id),
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


# The namespace of the ids of orders placed under a key (any fixed UUID; never change it).
_KEYED_ORDERS = UUID("5c1d3c2e-7f0a-4e55-9f61-0b8f3f3f5a10")


def keyed_order_id(tenant: Tenant, customer_id: UUID, key: str) -> UUID:
    """An order placed under an Idempotency-Key has an id derived from its organisation, customer
    and key: the event store (one stream per order) then refuses a second order for the key even
    when the key's answer was lost (a process killed between the order's commit and the
    answer's), and the same key in another organisation names another order. The single tenant
    keeps the ids keys derived before tenancy, so a retry across the upgrade finds its order."""
    if tenant.is_single:
        return uuid5(_KEYED_ORDERS, f"{customer_id}:{key.strip()}")
    return uuid5(_KEYED_ORDERS, f"{tenant.organisation_id}:{customer_id}:{key.strip()}")


async def _placed_before(
    uow: OrderingUnitOfWork, tenant: Tenant, order_id: UUID, lines: Sequence[LineRequest]
) -> OrderChanged | None:
    """The first answer again if the keyed order exists; the key with other lines is refused
    (and so would be an order of another tenant under the id, which the derivation rules out)."""
    recorded = await uow.events.read(stream_of(order_id))
    if not recorded:
        return None
    placed = ORDER_EVENT_CODEC.decode(recorded[0])
    asked = [(line.product_id, line.quantity) for line in lines]
    if (
        not isinstance(placed, OrderPlaced)
        or placed.organisation_id != tenant.organisation_id
        or asked != [(line.product_id, line.quantity) for line in placed.lines]
    ):
        raise IdempotencyKeyReused()
    return OrderChanged(order_id, 1, str(OrderStatus.PLACED))


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
    kept, so the next one decides afresh: under a new order id, or under a key's own id, where
    it finds the order if a concurrent attempt with the key placed it."""

    def __init__(self, uow: OrderingUnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: PlaceOrder) -> OrderChanged:
        _checked(command.lines)
        key = command.idempotency_key
        order_id = (
            self._ids.new_id()
            if key is None
            else keyed_order_id(command.tenant, command.customer_id, key)
        )
        now = self._clock.now()
        priced: dict[int, OrderLine] = {}
        async with self._uow() as uow:
            if key is not None and (
                earlier := await _placed_before(uow, command.tenant, order_id, command.lines)
            ):
                return earlier
            # Products in id order: concurrent orders lock rows in one order, no deadlock.
            by_product = sorted(enumerate(command.lines), key=lambda item: item[1].product_id)
            prices = await uow.stock.take_all(
                command.tenant,
                [(line.product_id, line.quantity) for _, line in by_product],
                reason=f"order {order_id} placed",
                now=now,
            )
            for (index, line), price in zip(by_product, prices, strict=True):
                if price is None:
                    raise InvalidValue(f"lines[{index}].product_id", "names no product")
                priced[index] = OrderLine(line.product_id, line.quantity, price)
            order = Order.place(
                tenant=command.tenant,
                id=order_id,
                customer_id=command.customer_id,
                lines=[priced[index] for index in range(len(command.lines))],
                now=now,
            )
            version = await save_order(uow, order, self._ids)
            await uow.commit()
        return OrderChanged(order_id, version, str(order.status))
