"""ONE contract for the ordering unit of work and the projection stores, on every store."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from adapters.ordering.payments.fake import APPROVE
from adapters.system.ids import Uuid7Generator
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.ordering.cancel_order import CancelOrder
from application.ordering.get_order import GetOrder
from application.ordering.pay_order import PayOrder
from application.ordering.place_order import LineRequest, PlaceOrder
from application.ordering.read_models import (
    OrderDetails,
    OrderFilter,
    OrderPosition,
    OrderSummary,
)
from application.shared.ports.event_store import NewEvent, StreamVersionConflict
from application.shared.ports.projections import PendingSave, ProjectionState
from domain.ordering.errors import OutOfStock
from domain.ordering.lines import OrderLine
from domain.shared.errors import ConcurrentUpdate
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from tests.contract.ordering.conftest import OrderingStores
from tests.support.clock import SteppingClock
from tests.support.ordering.shop import Shop

T0 = datetime(2026, 4, 1, 8, 0, 0, 250000, tzinfo=UTC)


def shop_on(stores: OrderingStores) -> Shop:
    return Shop(
        SteppingClock(),
        catalog_uow=stores.catalog_uow,
        ordering_uow=stores.ordering_uow,
        events=stores.events,
        summaries=stores.summaries,
        details=stores.details,
    )


async def product(stores: OrderingStores, sku: str, stock: int) -> UUID:
    create = CreateProductHandler(stores.catalog_uow, SteppingClock(), Uuid7Generator())
    made = await create(
        CreateProduct(
            tenant=Tenant.single(),
            sku=sku,
            name=sku,
            price_amount="4.20",
            price_currency="EUR",
            stock=stock,
        )
    )
    return made.id


def event(n: int = 0) -> NewEvent:
    return NewEvent(
        event_id=uuid4(), type="Noted", schema_version=1, payload={"n": n}, occurred_at=T0
    )


async def stock_of(stores: OrderingStores, product_id: UUID) -> int:
    async with stores.catalog_uow(read_only=True) as uow:
        found = await uow.products.get(Tenant.single(), product_id)
    assert found is not None
    return found.stock


# -- the unit of work: stock and events commit together -----------------------------------


async def test_stock_and_events_commit_together(ordering_stores: OrderingStores) -> None:
    tea = await product(ordering_stores, "TEA", 5)
    async with ordering_stores.ordering_uow() as uow:
        assert await uow.stock.take(Tenant.single(), tea, 2, reason="order", now=T0) is not None
        assert await uow.events.append("order-a", 0, [event(1), event(2)]) == 2
        await uow.commit()

    assert await stock_of(ordering_stores, tea) == 3
    assert [e.version for e in await ordering_stores.events.read("order-a")] == [1, 2]


async def test_a_stream_conflict_rolls_the_stock_change_back(
    ordering_stores: OrderingStores,
) -> None:
    tea = await product(ordering_stores, "TEA", 5)
    await ordering_stores.events.append("order-a", 0, [event()])

    with pytest.raises(StreamVersionConflict):
        async with ordering_stores.ordering_uow() as uow:
            assert await uow.stock.take(Tenant.single(), tea, 2, reason="order", now=T0) is not None
            await uow.events.append("order-a", 0, [event()])
            await uow.commit()

    assert await stock_of(ordering_stores, tea) == 5
    assert len(await ordering_stores.events.read("order-a")) == 1


async def test_nothing_is_kept_without_commit(ordering_stores: OrderingStores) -> None:
    async with ordering_stores.ordering_uow() as uow:
        await uow.events.append("order-a", 0, [event()])
    assert await ordering_stores.events.read("order-a") == []
    assert await ordering_stores.events.head_position() == 0


# -- the whole flow on each store -----------------------------------------------------------


async def test_orders_racing_for_the_last_units_never_oversell(
    ordering_stores: OrderingStores,
) -> None:
    shop = shop_on(ordering_stores)
    scarce = await product(ordering_stores, "SCARCE", 3)
    other = await product(ordering_stores, "OTHER", 100)

    async def order(customer: int) -> UUID | None:
        # Lines in both orders of product, so lock ordering matters.
        lines = [LineRequest(scarce, 1), LineRequest(other, 1)]
        if customer % 2:
            lines.reverse()
        try:
            placed = await shop.place(
                PlaceOrder(
                    tenant=Tenant.single(), customer_id=UUID(int=customer), lines=tuple(lines)
                )
            )
        except OutOfStock:
            return None
        return placed.order_id

    results = await asyncio.gather(*(order(c) for c in range(6)), return_exceptions=True)

    placed = [r for r in results if isinstance(r, UUID)]
    # Each either placed, found no stock, or lost the race past its retries (a 409 to retry).
    assert all(r is None or isinstance(r, UUID | ConcurrentUpdate) for r in results), results
    assert len(placed) == 3 - await stock_of(ordering_stores, scarce)
    assert await stock_of(ordering_stores, other) == 100 - len(placed)
    # One OrderPlaced each. Counted, not taken from the head: on PostgreSQL a position names an
    # event, and orders waiting on one product's row lock may take positions out of xid order.
    assert len(await ordering_stores.events.read_all()) == len(placed)


async def test_place_pay_cancel_and_read_through_the_projections(
    ordering_stores: OrderingStores,
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    placed = await shop.place(
        PlaceOrder(tenant=Tenant.single(), customer_id=UUID(int=1), lines=(LineRequest(tea, 2),))
    )
    await shop.pay(
        PayOrder(tenant=Tenant.single(), order_id=placed.order_id, payment_token=APPROVE)
    )
    cancelled = await shop.cancel(
        CancelOrder(tenant=Tenant.single(), order_id=placed.order_id, reason="no longer")
    )

    await shop.projector.catch_up()
    details = await shop.get(
        GetOrder(tenant=Tenant.single(), order_id=placed.order_id, min_version=cancelled.version)
    )

    assert (details.status, details.version, details.cancel_reason) == ("cancelled", 4, "no longer")
    assert details.refund_reference is not None
    assert details.total == Money.of("8.40", "EUR")
    assert await stock_of(ordering_stores, tea) == 5
    assert await shop.projector.lag() == {"order_summaries": 0, "order_details": 0}
    rebuilt = await shop.projector.rebuild("order_details")
    assert rebuilt.events == 4
    assert await shop.get(GetOrder(tenant=Tenant.single(), order_id=placed.order_id)) == details


# -- the outbox: order events are integration events, written in the same transaction --------


async def outbox_types(stores: OrderingStores) -> list[str]:
    """The types of the pending events, which are then marked sent."""
    async with stores.outbox.claim(100) as batch:
        batch.sent(len(batch.events))
        return [event.type for event in batch.events]


async def test_order_events_reach_the_outbox_with_their_stock_changes(
    ordering_stores: OrderingStores,
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    customer = UUID(int=7)
    placed = await shop.place(
        PlaceOrder(tenant=Tenant.single(), customer_id=customer, lines=(LineRequest(tea, 2),))
    )
    await shop.pay(
        PayOrder(tenant=Tenant.single(), order_id=placed.order_id, payment_token=APPROVE)
    )
    await shop.cancel(
        CancelOrder(tenant=Tenant.single(), order_id=placed.order_id, reason="no longer")
    )

    async with ordering_stores.outbox.claim(100) as batch:
        events = list(batch.events)
    assert [event.type for event in events] == [
        "catalog.ProductCreated",
        "catalog.StockAdjusted",
        "ordering.OrderPlaced",
        "ordering.OrderPaid",
        "catalog.StockAdjusted",
        "ordering.OrderCancelled",
        "ordering.OrderRefunded",
    ]
    # The stock taken (in one UPDATE ... RETURNING where the engine can) and put back: the
    # catalog aggregate's own events, its version moving on with each.
    taken, put_back = events[1], events[4]
    assert (taken.aggregate_id, taken.payload["delta"], taken.payload["stock"]) == (tea, -2, 3)
    assert (put_back.payload["delta"], put_back.payload["stock"]) == (2, 5)
    assert [taken.payload["version"], put_back.payload["version"]] == [2, 3]
    order_placed = events[2]
    assert order_placed.aggregate_id == placed.order_id
    assert order_placed.payload["customer_id"] == str(customer)
    assert order_placed.payload["total"] == {"amount": "8.40", "currency": "EUR"}
    assert events[3].payload["amount"] == {"amount": "8.40", "currency": "EUR"}


async def test_a_refused_order_writes_nothing_to_the_outbox(
    ordering_stores: OrderingStores,
) -> None:
    tea = await product(ordering_stores, "TEA", 1)
    await outbox_types(ordering_stores)  # the product's creation, claimed and forgotten
    shop = shop_on(ordering_stores)
    with pytest.raises(OutOfStock):
        await shop.place(
            PlaceOrder(
                tenant=Tenant.single(), customer_id=UUID(int=1), lines=(LineRequest(tea, 2),)
            )
        )
    await ordering_stores.events.append("order-a", 0, [event()])
    with pytest.raises(StreamVersionConflict):
        async with ordering_stores.ordering_uow() as uow:
            assert await uow.stock.take(Tenant.single(), tea, 1, reason="order", now=T0) is not None
            await uow.events.append("order-a", 0, [event()])
            await uow.commit()
    assert await outbox_types(ordering_stores) == []


# -- projection stores ------------------------------------------------------------------------


def details(order_id: UUID, *, version: int = 1, **changes: object) -> OrderDetails:
    row = OrderDetails(
        order_id=order_id,
        organisation_id=Tenant.SINGLE_ID,
        customer_id=UUID(int=9),
        status="placed",
        total=Money.of("12.60", "EUR"),
        lines=(
            OrderLine(UUID(int=1), 2, Money.of("4.20", "EUR")),
            OrderLine(UUID(int=2), 1, Money.of("4.20", "EUR")),
        ),
        payment_attempts=0,
        payment_reference=None,
        last_payment_failure=None,
        cancel_reason=None,
        refund_reference=None,
        placed_at=T0,
        paid_at=None,
        shipped_at=None,
        cancelled_at=None,
        refunded_at=None,
        updated_at=T0,
        version=version,
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def summary(
    order_id: UUID, placed_at: datetime, customer: int = 1, status: str = "placed"
) -> OrderSummary:
    return OrderSummary(
        order_id=order_id,
        organisation_id=Tenant.SINGLE_ID,
        customer_id=UUID(int=customer),
        status=status,
        total=Money.of("3.00", "EUR"),
        item_count=2,
        placed_at=placed_at,
        updated_at=placed_at,
        version=1,
    )


async def test_saving_is_a_compare_and_set_on_the_position(ordering_stores: OrderingStores) -> None:
    store = ordering_stores.details
    assert await store.state() == ProjectionState(1, 0)
    order_id = uuid4()
    paid = details(
        order_id,
        version=2,
        status="paid",
        payment_attempts=1,
        payment_reference="auth-1",
        paid_at=T0 + timedelta(seconds=1),
    )

    assert await store.save(1, {order_id: details(order_id)}, from_position=0, to_position=3)
    assert not await store.save(1, {order_id: paid}, from_position=0, to_position=5)
    assert await store.get(Tenant.single(), order_id) == details(order_id)
    assert await store.save(1, {order_id: paid}, from_position=3, to_position=5)

    assert await store.state() == ProjectionState(1, 5)
    assert await store.get(Tenant.single(), order_id) == paid
    assert await store.rows(1, [order_id, uuid4()]) == {order_id: paid}
    assert await store.get(Tenant.single(), uuid4()) is None


async def test_a_first_save_creates_the_state_and_of_two_racing_saves_one_wins(
    ordering_stores: OrderingStores,
) -> None:
    """A save before any state (no row yet) creates it; two saves from one position at once
    (two projectors) move it once, and only the winner's rows are written."""
    first = uuid4()
    details_store, store = ordering_stores.details, ordering_stores.summaries
    assert await details_store.save(1, {first: details(first)}, from_position=0, to_position=2)
    assert await details_store.state() == ProjectionState(1, 2)
    assert await details_store.rows(1, [first]) == {first: details(first)}

    await store.state()
    a, b = uuid4(), uuid4()
    results = await asyncio.gather(
        store.save(1, {a: summary(a, T0)}, from_position=0, to_position=4),
        store.save(1, {b: summary(b, T0)}, from_position=0, to_position=5),
    )
    assert sorted(results) == [False, True]
    winner, position = (a, 4) if results[0] else (b, 5)
    assert await store.state() == ProjectionState(1, position)
    assert await store.rows(1, [a, b]) == {winner: summary(winner, T0)}


async def test_saves_together_are_each_a_compare_and_set(
    ordering_stores: OrderingStores, request: pytest.FixtureRequest
) -> None:
    """Both projections' saves sent as one (on PostgreSQL one statement; elsewhere the store
    declines and they go one by one): the one whose position moved meanwhile writes nothing,
    the other is saved. Fails if one statement applied both, or neither."""
    summaries, details_store = ordering_stores.summaries, ordering_stores.details
    first, second = uuid4(), uuid4()
    assert await summaries.save(1, {first: summary(first, T0)}, from_position=0, to_position=2)
    assert await details_store.save(1, {first: details(first)}, from_position=0, to_position=3)
    saves = [
        PendingSave(summaries, 1, {second: summary(second, T0)}, from_position=2, to_position=6),
        PendingSave(details_store, 1, {second: details(second)}, from_position=2, to_position=6),
    ]

    together = await summaries.save_together(saves)
    if request.node.callspec.params["ordering_stores"] == "postgresql":
        assert together == [True, False]
    else:
        assert together is None
        together = [await save.save() for save in saves]
    assert together == [True, False]
    assert await summaries.state() == ProjectionState(1, 6)
    assert await details_store.state() == ProjectionState(1, 3)
    assert set(await summaries.rows(1, [first, second])) == {first, second}
    assert set(await details_store.rows(1, [first, second])) == {first}


async def test_a_rebuilt_generation_is_invisible_until_swapped_in(
    ordering_stores: OrderingStores,
) -> None:
    store = ordering_stores.details
    live, other = uuid4(), uuid4()
    await store.save(1, {live: details(live)}, from_position=0, to_position=2)

    generation = await store.begin_rebuild()
    await store.write(generation, {other: details(other)})
    assert generation == 2
    assert await store.get(Tenant.single(), other) is None
    assert await store.get(Tenant.single(), live) is not None

    await store.swap_in(generation, 7)
    assert await store.state() == ProjectionState(2, 7)
    assert await store.get(Tenant.single(), other) == details(other)
    assert await store.get(Tenant.single(), live) is None
    assert not await store.save(1, {live: details(live)}, from_position=2, to_position=3)


async def test_summaries_page_newest_first_with_filters(ordering_stores: OrderingStores) -> None:
    store = ordering_stores.summaries
    same = T0 + timedelta(minutes=5)
    rows = [
        summary(UUID(int=10), T0, customer=1),
        summary(UUID(int=11), same, customer=1, status="paid"),
        summary(UUID(int=12), same, customer=2),
        summary(UUID(int=13), T0 + timedelta(minutes=9), customer=1),
    ]
    await store.save(1, {row.order_id: row for row in rows}, from_position=0, to_position=4)

    async def ids(
        where: OrderFilter, after: OrderPosition | None = None, limit: int = 10
    ) -> list[int]:
        return [
            row.order_id.int
            for row in await store.page(Tenant.single(), where=where, after=after, limit=limit)
        ]

    assert await ids(OrderFilter()) == [13, 12, 11, 10]
    assert await ids(OrderFilter(), after=OrderPosition(same, UUID(int=12)), limit=1) == [11]
    assert await ids(OrderFilter(customer_id=UUID(int=1))) == [13, 11, 10]
    assert await ids(OrderFilter(status="paid")) == [11]
    assert await ids(OrderFilter(placed_from=same, placed_until=T0 + timedelta(minutes=9))) == [
        12,
        11,
    ]
    page = await store.page(Tenant.single(), where=OrderFilter(), after=None, limit=1)
    assert page == [rows[3]]


async def test_a_read_only_unit_of_work_cannot_commit_appends(
    ordering_stores: OrderingStores,
) -> None:
    with pytest.raises(RuntimeError, match="read-only"):
        async with ordering_stores.ordering_uow(read_only=True) as uow:
            await uow.events.append("order-a", 0, [event()])
            await uow.commit()
    assert await ordering_stores.events.read("order-a") == []
