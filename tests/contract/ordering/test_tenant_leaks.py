"""Ordering's leak contract (issue 17, items 3 and 4), run unchanged on every store (memory,
SQLite, PostgreSQL, MariaDB): an order placed in one organisation is invisible to every other
through each port method and projection (its stream, details, pages with and without a cursor,
history, as-of), no other organisation can pay, ship or cancel it (nor put its stock back), and
an Idempotency-Key places one order per organisation."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import pytest

from adapters.ordering.payments.fake import APPROVE
from adapters.persistence.memory.idempotency import MemoryIdempotencyData, MemoryIdempotencyStore
from application.ordering.cancel_order import CancelOrder
from application.ordering.get_order import GetOrder
from application.ordering.list_orders import ListOrders
from application.ordering.order_history import GetOrderAsOf, GetOrderHistory
from application.ordering.pay_order import PayOrder
from application.ordering.place_order import PLACE_ORDER_ONCE, LineRequest, PlaceOrder
from application.ordering.read_models import OrderFilter, OrderPosition
from application.ordering.ship_order import ShipOrder
from application.ordering.streams import load_order
from application.shared.idempotency import Idempotent
from application.shared.pagination import encode_cursor
from domain.ordering.errors import OrderNotFound
from domain.shared.tenant import Tenant
from tests.contract.ordering.conftest import OrderingStores
from tests.contract.ordering.test_ordering_stores import shop_on
from tests.support.clock import SteppingClock
from tests.support.ordering.shop import Shop

A = Tenant(UUID("0a000000-0000-4000-8000-00000000000a"))
B = Tenant(UUID("0b000000-0000-4000-8000-00000000000b"))
EVERY_OTHER = [B, Tenant.single()]
ALICE, BOB = UUID(int=1), UUID(int=2)


async def place(shop: Shop, tenant: Tenant, product: UUID, customer: UUID = ALICE) -> UUID:
    placed = await shop.place(
        PlaceOrder(tenant=tenant, customer_id=customer, lines=(LineRequest(product, 2),))
    )
    return placed.order_id


@pytest.fixture
async def shop(ordering_stores: OrderingStores) -> Shop:
    return shop_on(ordering_stores)


async def test_another_tenants_orders_are_not_read_through_any_port(
    shop: Shop, ordering_stores: OrderingStores
) -> None:
    tea = await shop.product("TEA", tenant=A)
    mine = [await place(shop, A, tea), await place(shop, A, tea, BOB)]
    b_tea = await shop.product("TEA", tenant=B)
    theirs = await place(shop, B, b_tea)
    await shop.projector.catch_up()
    summaries, details = ordering_stores.summaries, ordering_stores.details
    a_rows = await summaries.page(A, where=OrderFilter(), after=None, limit=10)
    a_cursor = encode_cursor(a_rows[0].placed_at, a_rows[0].order_id)

    assert sorted(row.order_id for row in a_rows) == sorted(mine)
    assert {row.organisation_id for row in a_rows} == {A.organisation_id}
    for order_id in mine:
        assert (await details.get(A, order_id)) is not None
        assert (await load_order(ordering_stores.events, A, order_id)).tenant == A
    for other in EVERY_OTHER:
        listed = await shop.list(ListOrders(tenant=other))
        assert [row.order_id for row in listed.items] == ([theirs] if other == B else [])
        after_a = OrderPosition(a_rows[0].placed_at, a_rows[0].order_id)
        for where in (OrderFilter(), OrderFilter(customer_id=ALICE), OrderFilter(status="placed")):
            page = await summaries.page(other, where=where, after=after_a, limit=10)
            assert not {row.order_id for row in page} & set(mine)
        from_a = await shop.list(ListOrders(tenant=other, cursor=a_cursor))
        assert not {row.order_id for row in from_a.items} & set(mine)
        for order_id in mine:
            assert await details.get(other, order_id) is None
            for read in (
                load_order(ordering_stores.events, other, order_id),
                shop.get(GetOrder(tenant=other, order_id=order_id)),
                shop.get(GetOrder(tenant=other, order_id=order_id, customer_id=ALICE)),
                shop.history(GetOrderHistory(tenant=other, order_id=order_id)),
                shop.as_of(GetOrderAsOf(tenant=other, order_id=order_id, at=a_rows[0].updated_at)),
            ):
                with pytest.raises(OrderNotFound):
                    await read


async def test_another_tenant_cannot_pay_ship_or_cancel_an_order(shop: Shop) -> None:
    tea = await shop.product("TEA", stock=10, tenant=A)
    placed, paid = await place(shop, A, tea), await place(shop, A, tea)
    await shop.pay(PayOrder(tenant=A, order_id=paid, payment_token=APPROVE))

    for other in EVERY_OTHER:
        for order_id in (placed, paid):
            with pytest.raises(OrderNotFound):
                await shop.cancel(CancelOrder(tenant=other, order_id=order_id, reason="mine now"))
            with pytest.raises(OrderNotFound):
                await shop.pay(PayOrder(tenant=other, order_id=order_id, payment_token=APPROVE))
        with pytest.raises(OrderNotFound):
            await shop.ship(ShipOrder(tenant=other, order_id=paid))

    await shop.projector.catch_up()
    statuses = [(await shop.get(GetOrder(tenant=A, order_id=o))).status for o in (placed, paid)]
    assert statuses == ["placed", "paid"]
    assert await shop.stock(tea, tenant=A) == 6  # nothing put back by another's cancel
    assert [len(await shop.events.read(f"order-{o}")) for o in (placed, paid)] == [1, 2]
    # A itself still can.
    await shop.cancel(CancelOrder(tenant=A, order_id=placed))
    assert await shop.stock(tea, tenant=A) == 8


async def test_an_idempotency_key_places_one_order_per_tenant(shop: Shop) -> None:
    once = Idempotent(
        shop.place,
        MemoryIdempotencyStore(MemoryIdempotencyData()),
        SteppingClock(),
        PLACE_ORDER_ONCE,
    )
    a_tea, b_tea = await shop.product("TEA", tenant=A), await shop.product("TEA", tenant=B)

    def keyed(tenant: Tenant, product: UUID) -> PlaceOrder:
        command = PlaceOrder(tenant=tenant, customer_id=ALICE, lines=(LineRequest(product, 1),))
        return replace(command, idempotency_key="same-key")

    in_a = await once(keyed(A, a_tea))
    in_b = await once(keyed(B, b_tea))
    again_in_a = await once(keyed(A, a_tea))
    # The key's answer lost (a new store): the keyed id still finds A's order, not B's.
    fresh = Idempotent(
        shop.place,
        MemoryIdempotencyStore(MemoryIdempotencyData()),
        SteppingClock(),
        PLACE_ORDER_ONCE,
    )
    replayed_in_b = await fresh(keyed(B, b_tea))

    assert in_a.order_id != in_b.order_id
    assert again_in_a == in_a
    assert replayed_in_b.order_id == in_b.order_id
    assert (await shop.stock(a_tea, tenant=A), await shop.stock(b_tea, tenant=B)) == (9, 9)
    await shop.projector.catch_up()
    for tenant, order_id in ((A, in_a.order_id), (B, in_b.order_id)):
        listed = await shop.list(ListOrders(tenant=tenant))
        assert [row.order_id for row in listed.items] == [order_id]


async def test_a_customers_own_orders_are_exported_from_every_tenant(
    shop: Shop, ordering_stores: OrderingStores
) -> None:
    # The one read across organisations: a person's data export is theirs wherever they ordered.
    a_tea, b_tea = await shop.product("TEA", tenant=A), await shop.product("TEA", tenant=B)
    alices = {await place(shop, A, a_tea), await place(shop, B, b_tea)}
    await place(shop, A, a_tea, BOB)
    await shop.projector.catch_up()

    first = await ordering_stores.summaries.page_of_customer(ALICE, after=None, limit=1)
    rest = await ordering_stores.summaries.page_of_customer(
        ALICE, after=OrderPosition(first[0].placed_at, first[0].order_id), limit=10
    )

    assert {row.order_id for row in first + rest} == alices
    assert {row.organisation_id for row in first + rest} == {
        A.organisation_id,
        B.organisation_id,
    }
