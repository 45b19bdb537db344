"""Ordering's commands on the memory adapters: placing, paying, shipping, cancelling, payments."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from adapters.ordering.payments.fake import APPROVE, DECLINE, TIMEOUT, FakePaymentGateway
from application.ordering.cancel_order import CancelOrder
from application.ordering.get_order import GetOrder
from application.ordering.order_history import GetOrderHistory
from application.ordering.pay_order import PayOrder
from application.ordering.payments import Authorization, Refund
from application.ordering.place_order import LineRequest, PlaceOrder
from application.ordering.ship_order import ShipOrder
from domain.ordering.errors import (
    OrderNotFound,
    OutOfStock,
    PaymentUnavailable,
    TransitionNotAllowed,
)
from domain.shared.errors import InvalidValue
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock
from tests.support.ordering.shop import ALICE, BOB, Shop, place


async def test_placing_copies_prices_and_reserves_stock(shop: Shop) -> None:
    tea, cup = await shop.product("TEA", "2.50", 10), await shop.product("CUP", "7.00", 3)

    placed = await shop.place(
        PlaceOrder(
            tenant=Tenant.single(),
            customer_id=ALICE,
            lines=(LineRequest(tea, 4), LineRequest(cup, 1)),
        )
    )
    await shop.projector.catch_up()
    order = await shop.get(
        GetOrder(tenant=Tenant.single(), order_id=placed.order_id, min_version=placed.version)
    )

    assert (placed.status, order.status) == ("placed", "placed")
    assert order.total == Money(Decimal("17.00"), "EUR")
    assert [(line.product_id, line.quantity, line.unit_price) for line in order.lines] == [
        (tea, 4, Money.of("2.50", "EUR")),
        (cup, 1, Money.of("7.00", "EUR")),
    ]
    assert (await shop.stock(tea), await shop.stock(cup)) == (6, 2)


async def test_out_of_stock_names_the_product_and_takes_nothing(shop: Shop) -> None:
    tea, cup = await shop.product("TEA", stock=10), await shop.product("CUP", stock=1)

    with pytest.raises(OutOfStock) as caught:
        await shop.place(
            PlaceOrder(
                tenant=Tenant.single(),
                customer_id=ALICE,
                lines=(LineRequest(tea, 2), LineRequest(cup, 2)),
            )
        )

    assert caught.value.product_id == cup
    assert (caught.value.requested, caught.value.available) == (2, 1)
    assert (await shop.stock(tea), await shop.stock(cup)) == (10, 1)
    assert await shop.events.head_position() == 0


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ((), "lines"),
        (((None, 0),), "lines[0].quantity"),
        (((None, 1), (uuid4(), 1)), "lines[1].product_id"),
    ],
)
async def test_bad_orders_name_the_field(
    shop: Shop, lines: tuple[tuple[UUID | None, int], ...], field: str
) -> None:
    tea = await shop.product("TEA")
    requests = tuple(LineRequest(product or tea, quantity) for product, quantity in lines)
    with pytest.raises(InvalidValue) as caught:
        await shop.place(PlaceOrder(tenant=Tenant.single(), customer_id=ALICE, lines=requests))
    assert caught.value.field == field


async def test_two_orders_racing_for_the_last_unit_one_wins(shop: Shop) -> None:
    last = await shop.product("LAST", stock=1)

    results = await asyncio.gather(
        *(place(shop, (last, 1), customer=c) for c in (ALICE, BOB)), return_exceptions=True
    )

    assert sum(isinstance(r, UUID) for r in results) == 1
    assert sum(isinstance(r, OutOfStock) for r in results) == 1
    assert await shop.stock(last) == 0


async def test_concurrent_orders_of_one_product_all_succeed_through_retry(shop: Shop) -> None:
    tea = await shop.product("TEA", stock=10)

    await asyncio.gather(place(shop, (tea, 1)), place(shop, (tea, 2)))

    assert await shop.stock(tea) == 7


async def test_pay_then_ship(shop: Shop) -> None:
    order_id = await place(shop, (await shop.product("TEA"), 1))

    paid = await shop.pay(
        PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE)
    )
    shipped = await shop.ship(ShipOrder(tenant=Tenant.single(), order_id=order_id))

    assert (paid.approved, paid.status, paid.version) == (True, "paid", 2)
    assert (shipped.status, shipped.version) == ("shipped", 3)
    await shop.projector.catch_up()
    details = await shop.get(GetOrder(tenant=Tenant.single(), order_id=order_id))
    assert details.status == "shipped"
    assert details.payment_reference is not None


async def test_a_decline_is_recorded_and_another_card_may_pay(shop: Shop) -> None:
    order_id = await place(shop, (await shop.product("TEA"), 1))

    declined = await shop.pay(
        PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=DECLINE)
    )
    paid = await shop.pay(
        PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE)
    )

    assert (declined.approved, declined.status, declined.decline_reason) == (
        False,
        "placed",
        "card declined",
    )
    assert (paid.approved, paid.version) == (True, 3)
    await shop.projector.catch_up()
    details = await shop.get(GetOrder(tenant=Tenant.single(), order_id=order_id))
    assert (details.payment_attempts, details.last_payment_failure) == (2, "card declined")


async def test_a_provider_timeout_leaves_the_order_placed(shop: Shop) -> None:
    order_id = await place(shop, (await shop.product("TEA"), 1))

    with pytest.raises(PaymentUnavailable):
        await shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=TIMEOUT))

    assert [
        entry.type
        for entry in await shop.history(GetOrderHistory(tenant=Tenant.single(), order_id=order_id))
    ] == ["OrderPlaced"]


async def test_twin_payment_requests_charge_once(clock: SteppingClock) -> None:
    payments = CountingGateway()
    shop = Shop.in_memory(clock, payments)
    order_id = await place(shop, (await shop.product("TEA"), 1))

    first, second = await asyncio.gather(
        shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE)),
        shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE)),
    )

    assert first == second
    assert first.status == "paid"
    assert payments.refunds == 0
    with pytest.raises(TransitionNotAllowed):
        await shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE))


async def test_twin_declined_requests_record_one_failure(clock: SteppingClock) -> None:
    shop = Shop.in_memory(clock, CountingGateway())
    order_id = await place(shop, (await shop.product("TEA"), 1))

    first, second = await asyncio.gather(
        shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=DECLINE)),
        shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=DECLINE)),
    )

    assert not first.approved
    assert not second.approved
    types = [
        entry.type
        for entry in await shop.history(GetOrderHistory(tenant=Tenant.single(), order_id=order_id))
    ]
    assert types == ["OrderPlaced", "PaymentFailed"]


async def test_illegal_moves_are_conflicts(shop: Shop) -> None:
    order_id = await place(shop, (await shop.product("TEA"), 1))
    with pytest.raises(TransitionNotAllowed):
        await shop.ship(ShipOrder(tenant=Tenant.single(), order_id=order_id))
    await shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE))
    await shop.ship(ShipOrder(tenant=Tenant.single(), order_id=order_id))
    with pytest.raises(TransitionNotAllowed):
        await shop.cancel(CancelOrder(tenant=Tenant.single(), order_id=order_id))
    with pytest.raises(OrderNotFound):
        await shop.ship(ShipOrder(tenant=Tenant.single(), order_id=uuid4()))


async def test_cancelling_releases_stock_and_refunds_a_paid_order(shop: Shop) -> None:
    tea = await shop.product("TEA", stock=5)
    unpaid, paid = await place(shop, (tea, 1)), await place(shop, (tea, 2))
    await shop.pay(PayOrder(tenant=Tenant.single(), order_id=paid, payment_token=APPROVE))
    assert await shop.stock(tea) == 2

    cancelled = await shop.cancel(
        CancelOrder(tenant=Tenant.single(), order_id=unpaid, reason="changed my mind")
    )
    refunded = await shop.cancel(CancelOrder(tenant=Tenant.single(), order_id=paid))

    assert (cancelled.status, cancelled.version) == ("cancelled", 2)
    assert (refunded.status, refunded.version) == ("cancelled", 4)
    assert await shop.stock(tea) == 5
    await shop.projector.catch_up()
    details = await shop.get(GetOrder(tenant=Tenant.single(), order_id=paid))
    assert details.refund_reference is not None
    assert details.refunded_at is not None


async def test_a_refund_that_fails_is_finished_by_cancelling_again(clock: SteppingClock) -> None:
    payments = RefundsDownOnce()
    shop = Shop.in_memory(clock, payments)
    tea = await shop.product("TEA", stock=5)
    order_id = await place(shop, (tea, 2))
    await shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE))

    with pytest.raises(PaymentUnavailable):
        await shop.cancel(CancelOrder(tenant=Tenant.single(), order_id=order_id))
    assert await shop.stock(tea) == 5  # the cancellation itself committed
    again = await shop.cancel(CancelOrder(tenant=Tenant.single(), order_id=order_id))

    types = [
        entry.type
        for entry in await shop.history(GetOrderHistory(tenant=Tenant.single(), order_id=order_id))
    ]
    assert types == ["OrderPlaced", "OrderPaid", "OrderCancelled", "OrderRefunded"]
    assert again.version == 4
    assert await shop.stock(tea) == 5


class CountingGateway(FakePaymentGateway):
    """Answers after a pause (so concurrent requests interleave) and counts refunds."""

    def __init__(self) -> None:
        super().__init__()
        self.refunds = 0

    async def authorize(
        self, *, payment_token: str, amount: Money, idempotency_key: str
    ) -> Authorization:
        await asyncio.sleep(0)
        return await super().authorize(
            payment_token=payment_token, amount=amount, idempotency_key=idempotency_key
        )

    async def refund(self, *, authorization: str, amount: Money, idempotency_key: str) -> Refund:
        self.refunds += 1
        return await super().refund(
            authorization=authorization, amount=amount, idempotency_key=idempotency_key
        )


class RefundsDownOnce(FakePaymentGateway):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def refund(self, *, authorization: str, amount: Money, idempotency_key: str) -> Refund:
        if self.down:
            self.down = False
            raise PaymentUnavailable("provider down")
        return await super().refund(
            authorization=authorization, amount=amount, idempotency_key=idempotency_key
        )
