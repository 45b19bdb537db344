"""Ordering's read side on the memory adapters: who sees which order, projections, queries."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.ordering.payments.fake import APPROVE
from adapters.persistence.doorbell import InProcessDoorbell
from application.ordering.cancel_order import CancelOrder
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.get_order import GetOrder, GetOrderHandler
from application.ordering.list_orders import ListOrders
from application.ordering.order_history import GetOrderAsOf, GetOrderHistory
from application.ordering.pay_order import PayOrder
from application.ordering.ship_order import ShipOrder
from application.shared.ports.wakeup import Doorbell
from application.shared.projector import UnknownProjection
from domain.ordering.errors import (
    OrderNotFound,
    ProjectionBehind,
)
from domain.shared.errors import InvalidValue
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock
from tests.support.ordering.shop import ALICE, BOB, Shop, place

WAIT = 30.0  # a guard against hanging, never an assertion on speed


async def test_customers_see_only_their_own_orders(shop: Shop) -> None:
    order_id = await place(shop, (await shop.product("TEA"), 1), customer=ALICE)
    await shop.projector.catch_up()

    assert (
        await shop.get(GetOrder(tenant=Tenant.single(), order_id=order_id, customer_id=ALICE))
    ).order_id == order_id
    with pytest.raises(OrderNotFound):
        await shop.get(GetOrder(tenant=Tenant.single(), order_id=order_id, customer_id=BOB))
    with pytest.raises(OrderNotFound):
        await shop.cancel(CancelOrder(tenant=Tenant.single(), order_id=order_id, customer_id=BOB))
    with pytest.raises(OrderNotFound):
        await shop.history(
            GetOrderHistory(tenant=Tenant.single(), order_id=order_id, customer_id=BOB)
        )


async def test_reading_ones_own_write_waits_for_the_projection(shop: Shop) -> None:
    order_id = await place(shop, (await shop.product("TEA"), 1))
    paid = await shop.pay(
        PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE)
    )

    with pytest.raises(ProjectionBehind) as caught:
        await shop.get(
            GetOrder(tenant=Tenant.single(), order_id=order_id, min_version=paid.version)
        )
    assert (caught.value.wanted, caught.value.seen) == (2, 0)

    stop = asyncio.Event()
    follower = asyncio.create_task(shop.projector.follow(stop, idle_seconds=0.001))
    try:  # the shop's reads wait 0.05 s, which a descheduled follower outlives: wait longer
        patient = GetOrderHandler(shop.details, wait_seconds=WAIT, poll_seconds=0.005)
        details = await patient(
            GetOrder(tenant=Tenant.single(), order_id=order_id, min_version=paid.version)
        )
    finally:
        stop.set()
        await follower
    assert (details.status, details.version) == ("paid", 2)
    assert await shop.projector.lag() == {"order_summaries": 0, "order_details": 0}


async def caught_up_while_following(
    shop: Shop, doorbell: Doorbell, ring: bool, **pace: float
) -> None:
    """Place an order once the follower idles; return when the projections show it (failing
    after a bound far below a minute's poll)."""
    stop = asyncio.Event()
    follower = asyncio.create_task(shop.projector.follow(stop, doorbell=doorbell, **pace))
    try:
        await asyncio.sleep(0.05)  # caught up with nothing: waiting
        await place(shop, (await shop.product("TEA"), 1))
        if ring:
            doorbell.ring()  # what the commit's outbox does in the running app
        async with asyncio.timeout(WAIT):  # half the minute's poll: still tells a wake-up
            while await shop.projector.lag() != {"order_summaries": 0, "order_details": 0}:
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await follower


async def test_a_ring_wakes_a_projector_that_polls_once_a_minute(shop: Shop) -> None:
    await caught_up_while_following(
        shop, InProcessDoorbell(), ring=True, idle_seconds=60, idle_max=60
    )


async def test_without_a_ring_the_projectors_poll_finds_the_moved_head(shop: Shop) -> None:
    await caught_up_while_following(
        shop, InProcessDoorbell(), ring=False, idle_seconds=0.01, idle_max=0.05
    )


async def test_lists_filter_and_page_newest_first(shop: Shop) -> None:
    tea = await shop.product("TEA", stock=100)
    mine = [await place(shop, (tea, 1), customer=ALICE) for _ in range(5)]
    theirs = await place(shop, (tea, 1), customer=BOB)
    await shop.pay(PayOrder(tenant=Tenant.single(), order_id=mine[1], payment_token=APPROVE))
    await shop.projector.catch_up()

    seen: list[UUID] = []
    cursor = None
    while True:
        page = await shop.list(
            ListOrders(tenant=Tenant.single(), customer_id=ALICE, limit=2, cursor=cursor)
        )
        seen.extend(summary.order_id for summary in page.items)
        if (cursor := page.next_cursor) is None:
            break
    paid = await shop.list(ListOrders(tenant=Tenant.single(), status="paid"))
    everyone = await shop.list(ListOrders(tenant=Tenant.single()))

    assert seen == mine[::-1]
    assert [s.order_id for s in paid.items] == [mine[1]]
    assert everyone.items[0].order_id == theirs
    assert len(everyone.items) == 6
    first = everyone.items[-1]
    since = await shop.list(
        ListOrders(tenant=Tenant.single(), placed_from=first.placed_at + timedelta(microseconds=1))
    )
    assert len(since.items) == 5
    with pytest.raises(InvalidValue):
        await shop.list(ListOrders(tenant=Tenant.single(), status="lost"))


async def test_as_of_rebuilds_the_order_as_it_was(shop: Shop, clock: SteppingClock) -> None:
    order_id = await place(shop, (await shop.product("TEA"), 1))
    between = clock.now()
    await shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE))
    await shop.ship(ShipOrder(tenant=Tenant.single(), order_id=order_id))

    then = await shop.as_of(GetOrderAsOf(tenant=Tenant.single(), order_id=order_id, at=between))
    now = await shop.as_of(GetOrderAsOf(tenant=Tenant.single(), order_id=order_id, at=clock.now()))

    assert (then.status, then.version, then.paid_at) == ("placed", 1, None)
    assert (now.status, now.version) == ("shipped", 3)
    with pytest.raises(OrderNotFound):
        await shop.as_of(
            GetOrderAsOf(
                tenant=Tenant.single(), order_id=order_id, at=then.placed_at - timedelta(seconds=1)
            )
        )


async def test_rebuild_replays_into_a_fresh_generation_with_equal_rows(shop: Shop) -> None:
    tea = await shop.product("TEA", stock=100)
    orders = [await place(shop, (tea, i + 1)) for i in range(4)]
    await shop.pay(PayOrder(tenant=Tenant.single(), order_id=orders[0], payment_token=APPROVE))
    await shop.cancel(CancelOrder(tenant=Tenant.single(), order_id=orders[1]))
    await shop.projector.catch_up()
    before = [await shop.get(GetOrder(tenant=Tenant.single(), order_id=o)) for o in orders]
    listed_before = await shop.list(ListOrders(tenant=Tenant.single()))

    rebuilt = await shop.projector.rebuild("order_details")
    await shop.projector.rebuild("order_summaries")

    assert (rebuilt.generation, rebuilt.events) == (2, 6)
    assert [await shop.get(GetOrder(tenant=Tenant.single(), order_id=o)) for o in orders] == before
    assert await shop.list(ListOrders(tenant=Tenant.single())) == listed_before
    await shop.ship(ShipOrder(tenant=Tenant.single(), order_id=orders[0]))
    await shop.projector.catch_up()
    assert (
        await shop.get(GetOrder(tenant=Tenant.single(), order_id=orders[0]))
    ).status == "shipped"
    with pytest.raises(UnknownProjection):
        await shop.projector.rebuild("nope")


async def test_racing_projectors_apply_each_event_once(shop: Shop) -> None:
    tea = await shop.product("TEA", stock=100)
    orders = [await place(shop, (tea, 1)) for _ in range(10)]
    for order_id in orders[:5]:
        await shop.pay(PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE))

    await asyncio.gather(*(shop.projector.catch_up() for _ in range(3)))

    details = [await shop.get(GetOrder(tenant=Tenant.single(), order_id=o)) for o in orders]
    assert [d.payment_attempts for d in details] == [1] * 5 + [0] * 5
    assert [d.version for d in details] == [2] * 5 + [1] * 5


async def test_the_follower_reports_errors_and_goes_on(shop: Shop) -> None:
    order_id = await place(shop, (await shop.product("TEA"), 1))
    errors: list[Exception] = []
    broken = {"left": 1}
    real_read_all = shop.events.read_all

    async def flaky_read_all(after_position: int = 0, limit: int = 1000) -> list[Any]:
        if broken["left"]:
            broken["left"] -= 1
            raise ConnectionError("database restarting")
        return await real_read_all(after_position, limit)

    shop.events.read_all = flaky_read_all  # type: ignore[method-assign]
    stop = asyncio.Event()
    follower = asyncio.create_task(
        shop.projector.follow(stop, idle_seconds=0.001, on_error=errors.append)
    )
    try:
        patient = GetOrderHandler(shop.details, wait_seconds=WAIT, poll_seconds=0.005)
        details = await patient(GetOrder(tenant=Tenant.single(), order_id=order_id, min_version=1))
    finally:
        stop.set()
        await follower
    assert details.status == "placed"
    assert [str(e) for e in errors] == ["database restarting"]


async def test_a_step_reads_only_the_rows_of_orders_seen_before(shop: Shop) -> None:
    """New orders (version 1) have no row yet: not asked for. An order's later event is
    folded onto its stored row, even in a batch with new orders."""
    tea = await shop.product("TEA", stock=100)
    asked: list[set[UUID]] = []
    real_rows = shop.details.rows

    async def rows(generation: int, order_ids: Iterable[UUID]) -> dict[UUID, Any]:
        asked.append(set(order_ids))
        return await real_rows(generation, order_ids)

    shop.details.rows = rows  # type: ignore[method-assign]
    first = await place(shop, (tea, 1))
    await shop.projector.catch_up()
    assert asked == []

    await shop.pay(PayOrder(tenant=Tenant.single(), order_id=first, payment_token=APPROVE))
    second = await place(shop, (tea, 2))
    await shop.projector.catch_up()

    assert asked == [{first}]
    paid = await shop.get(GetOrder(tenant=Tenant.single(), order_id=first))
    assert (paid.status, paid.payment_attempts, paid.version) == ("paid", 1, 2)
    assert (await shop.get(GetOrder(tenant=Tenant.single(), order_id=second))).version == 1


async def test_a_catch_up_decodes_each_event_once_for_every_projection(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The projections at one position fold one batch: it is decoded once, not once each (with
    a decoding per projection: 6 for 3 orders and two projections)."""
    tea = await shop.product("TEA", stock=100)
    placed = [await place(shop, (tea, 1)) for _ in range(3)]
    decoded: list[int] = []
    real_decode = ORDER_EVENT_CODEC.decode

    def decode(recorded: Any) -> Any:
        decoded.append(recorded.position)
        return real_decode(recorded)

    monkeypatch.setattr(ORDER_EVENT_CODEC, "decode", decode)
    assert len(shop.projector.names) == 2
    await shop.projector.catch_up()

    assert len(decoded) == len(set(decoded)) == 3
    for order_id in placed:  # both projections folded them
        assert (await shop.get(GetOrder(tenant=Tenant.single(), order_id=order_id))).version == 1
    listed = await shop.list(ListOrders(tenant=Tenant.single()))
    assert {order.order_id for order in listed.items} >= set(placed)
