"""A one-line order on PostgreSQL is one statement (adapters/ordering/postgres_orders.py): the
stock taken at the price this process remembered, with the order's rows, or nothing at all. Its
guards: never more units than are left, never at a price the product no longer has."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from application.ordering.place_order import LineRequest, PlaceOrder
from domain.ordering.errors import OutOfStock
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from tests.contract.ordering.conftest import OrderingStores
from tests.contract.ordering.test_ordering_stores import T0, event, product, shop_on, stock_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("ordering_stores", ["postgresql"], indirect=True),
]


def order(tea: UUID, customer: int, quantity: int = 1) -> PlaceOrder:
    return PlaceOrder(
        tenant=Tenant.single(),
        customer_id=UUID(int=customer),
        lines=(LineRequest(tea, quantity),),
    )


async def outbox_payloads(stores: OrderingStores) -> list[tuple[str, dict[str, Any]]]:
    async with stores.outbox.claim(100) as batch:
        batch.sent(len(batch.events))
        return [(event.type, event.payload) for event in batch.events]


async def test_the_last_unit_goes_to_one_of_two_racing_orders(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 2)
    await shop.place(order(tea, 1))  # its price remembered; one unit left
    await outbox_payloads(ordering_stores)
    head = len(await ordering_stores.events.read_all())

    results = await asyncio.gather(
        shop.place(order(tea, 2)), shop.place(order(tea, 3)), return_exceptions=True
    )

    placed = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(placed) == 1
    assert len(refused) == 1
    assert isinstance(refused[0], OutOfStock), refused
    # Both went as one statement; one took the unit, the other took and wrote nothing.
    assert sorted(one_statements[-2:]) == [False, True]
    assert await stock_of(ordering_stores, tea) == 0
    recorded = await ordering_stores.events.read_all()
    assert len(recorded) == head + 1
    assert recorded[-1].stream_id.endswith(str(placed[0].order_id))
    # The refused order left no row: one StockAdjusted and one OrderPlaced, the winner's.
    rows = await outbox_payloads(ordering_stores)
    assert [kind for kind, _ in rows] == ["catalog.StockAdjusted", "ordering.OrderPlaced"]
    stock = rows[0][1]
    # The stock and version the statement left, not the placeholders it was given.
    assert (stock["delta"], stock["stock"], stock["version"]) == (-1, 0, 3)
    assert rows[1][1]["order_id"] == str(placed[0].order_id)


async def test_a_remembered_price_that_changed_does_not_sell(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    await shop.place(order(tea, 1))  # remembered at 4.20
    async with ordering_stores.catalog_uow() as uow:
        found = await uow.products.get(Tenant.single(), tea)
        assert found is not None
        found.change(now=T0, price=Money(Decimal("9.90"), "EUR"))
        await uow.products.update(found)
        await uow.commit()

    placed = await shop.place(order(tea, 2, quantity=2))

    assert one_statements[-1] is False  # the statement refused the old price
    recorded = await ordering_stores.events.read_all()
    assert recorded[-1].stream_id.endswith(str(placed.order_id))
    lines = recorded[-1].payload["lines"]
    assert [line["unit_price"]["amount"] for line in lines] == ["9.90"]
    assert await stock_of(ordering_stores, tea) == 2
    # And the new price is remembered: the next order is one statement again.
    await shop.place(order(tea, 3))
    assert one_statements[-1] is True
    assert await stock_of(ordering_stores, tea) == 1


async def test_a_waiting_take_goes_in_the_transaction_when_a_statement_comes_first(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    await shop.place(order(tea, 1))  # remembered; 4 left
    await outbox_payloads(ordering_stores)
    sent = len(one_statements)

    async with ordering_stores.ordering_uow() as uow:
        taken = await uow.stock.take_all(Tenant.single(), [(tea, 2)], reason="order", now=T0)
        assert taken == [Money(Decimal("4.20"), "EUR")]
        assert await uow.events.read("order-b") == []  # a statement: BEGIN, the take in it
        await uow.events.append("order-b", 0, [event()])
        await uow.commit()

    assert len(one_statements) == sent  # not one statement
    assert await stock_of(ordering_stores, tea) == 2
    rows = await outbox_payloads(ordering_stores)
    assert [(kind, p.get("stock")) for kind, p in rows] == [("catalog.StockAdjusted", 2)]
    assert len(await ordering_stores.events.read("order-b")) == 1
