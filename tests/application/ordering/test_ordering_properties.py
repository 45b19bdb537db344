"""Properties of ordering over any sequence of commands (hypothesis, memory adapters):

- stock taken from the catalog equals the units of the orders still holding it (not cancelled);
- every order rebuilt from its stored events is in the state the commands left it in;
- the projections, caught up, agree with the event streams.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.ordering.payments.fake import APPROVE, DECLINE
from application.ordering.cancel_order import CancelOrder
from application.ordering.get_order import GetOrder
from application.ordering.pay_order import PayOrder
from application.ordering.place_order import LineRequest, PlaceOrder
from application.ordering.ship_order import ShipOrder
from application.ordering.streams import load_order
from domain.shared.errors import Conflict
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock
from tests.support.ordering.shop import Shop

PRODUCTS = 3
INITIAL_STOCK = 6


@dataclass(frozen=True)
class Place:
    quantities: tuple[int, ...]  # one per product; 0 leaves the product out


@dataclass(frozen=True)
class Act:
    action: str
    order: int  # index into the orders placed so far (modulo)


commands = st.lists(
    st.one_of(
        st.builds(Place, st.tuples(*(st.integers(0, 3) for _ in range(PRODUCTS)))),
        st.builds(
            Act,
            st.sampled_from(["pay", "decline", "ship", "cancel"]),
            st.integers(0, 20),
        ),
    ),
    max_size=25,
)


async def scenario(steps: list[Place | Act]) -> None:
    shop = Shop.in_memory(SteppingClock())
    products = [await shop.product(f"SKU-{i}", stock=INITIAL_STOCK) for i in range(PRODUCTS)]
    orders: list[UUID] = []
    for step in steps:
        try:
            if isinstance(step, Place):
                lines = tuple(
                    LineRequest(products[i], q) for i, q in enumerate(step.quantities) if q
                )
                if lines:
                    orders.append(
                        (
                            await shop.place(
                                PlaceOrder(
                                    tenant=Tenant.single(), customer_id=UUID(int=1), lines=lines
                                )
                            )
                        ).order_id
                    )
            elif orders:
                order_id = orders[step.order % len(orders)]
                if step.action in ("pay", "decline"):
                    token = APPROVE if step.action == "pay" else DECLINE
                    await shop.pay(
                        PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=token)
                    )
                elif step.action == "ship":
                    await shop.ship(ShipOrder(tenant=Tenant.single(), order_id=order_id))
                else:
                    await shop.cancel(CancelOrder(tenant=Tenant.single(), order_id=order_id))
        except Conflict:
            pass  # out of stock, or a move the state machine refuses: nothing changes

        held = [0] * PRODUCTS
        for order_id in orders:
            order = await load_order(shop.events, Tenant.single(), order_id)
            if order.holds_stock:
                for line in order.lines:
                    held[products.index(line.product_id)] += line.quantity
            assert not order.refund_due  # the fake provider always refunds
        stock = [await shop.stock(p) for p in products]
        assert [INITIAL_STOCK - s for s in stock] == held

    await shop.projector.catch_up()
    for order_id in orders:
        order = await load_order(shop.events, Tenant.single(), order_id)
        details = await shop.get(GetOrder(tenant=Tenant.single(), order_id=order_id))
        assert (details.status, details.version, details.payment_attempts) == (
            order.status,
            order.version,
            order.payment_attempts,
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands)
def test_stock_held_equals_units_of_open_orders(steps: list[Place | Act]) -> None:
    asyncio.run(scenario(steps))
