"""Ordering's demo data: orders of the seeded customers for the seeded products, placed through
PlaceOrder (stock reserved, events in the event store and the outbox), then paid, shipped or
cancelled through their use cases, and the read models caught up.

Payments go through the configured gateway with the fake one's approving and declining test
cards (`tok_approve`, `tok_decline`): seed with PORTICO_PAYMENTS=fake.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from random import Random
from typing import Any
from uuid import UUID

from application.ordering.cancel_order import CancelOrder
from application.ordering.list_orders import ListOrders
from application.ordering.pay_order import PayOrder
from application.ordering.place_order import LineRequest, PlaceOrder
from application.ordering.ship_order import ShipOrder
from application.shared.seeding import SeedPlan, SeedRun
from domain.ordering.errors import OutOfStock
from domain.shared.tenant import Tenant
from entrypoints.module import Seed, SeedSize

# What ordering orders from: the ids identity and catalog publish, sized by their flags.
NEEDS = {"customers": "users", "products": "products"}
TRIES = 5  # lines drawn again when a product is sold out


def _lines(rng: Random, products: list[UUID]) -> tuple[LineRequest, ...]:
    count = rng.choices((1, 2, 3, 4), weights=(50, 30, 15, 5))[0]
    picked = rng.sample(products, min(count, len(products)))
    return tuple(LineRequest(product, rng.choice((1, 1, 1, 2, 2, 3))) for product in picked)


async def _place(root: Any, rng: Random, customer: UUID, products: list[UUID]) -> UUID | None:
    for _ in range(TRIES):
        try:
            placed = await root.ordering.place_order()(
                PlaceOrder(
                    tenant=Tenant.single(), customer_id=customer, lines=_lines(rng, products)
                )
            )
        except OutOfStock:
            continue
        order_id: UUID = placed.order_id
        return order_id
    return None


async def _move_on(root: Any, rng: Random, order_id: UUID) -> str:
    """Where the order goes after being placed; its final status."""
    ordering, roll = root.ordering, rng.random()
    if roll < 0.15:
        return "placed"
    if roll < 0.25:
        await ordering.cancel_order()(
            CancelOrder(tenant=Tenant.single(), order_id=order_id, reason="changed my mind")
        )
        return "cancelled"
    token = "tok_decline" if roll < 0.30 else "tok_approve"
    outcome = await ordering.pay_order()(
        PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=token)
    )
    if not outcome.approved:
        return "payment declined"
    if roll < 0.35:
        await ordering.cancel_order()(
            CancelOrder(tenant=Tenant.single(), order_id=order_id, reason="found it cheaper")
        )
        return "refunded"
    if roll < 0.70:
        await ordering.ship_order()(ShipOrder(tenant=Tenant.single(), order_id=order_id))
        return "shipped"
    return "paid"


async def refusal(root: Any, plan: SeedPlan) -> str | None:
    if not plan.size("orders"):
        return None
    for flag in NEEDS.values():
        if not plan.size(flag):
            return f"--orders needs --{flag} above 0: orders are for seeded ones"
    if (await root.ordering.list_orders()(ListOrders(tenant=Tenant.single(), limit=1))).items:
        return "the database already holds orders: portico seed fills an empty database"
    return None


async def fill(root: Any, run: SeedRun) -> Sequence[str]:
    count = run.plan.size("orders")
    if not count:
        return []
    rng = run.plan.random("ordering")
    customers, products = (run.published[name] for name in NEEDS)
    statuses: Counter[str] = Counter()
    run.progress.start("orders", count)
    for _ in range(count):
        order_id = await _place(root, rng, rng.choice(customers), products)
        statuses[await _move_on(root, rng, order_id) if order_id else "not placed"] += 1
        run.progress.advance()
    projected = await root.ordering.projector().catch_up()
    shown = ", ".join(f"{number} {status}" for status, number in sorted(statuses.items()))
    return [f"orders: {count} ({shown}); {projected} events projected into the read models"]


SEED = Seed(
    sizes=[SeedSize("orders", 200, "orders of the seeded customers, in every status")],
    refusal=refusal,
    fill=fill,
)
