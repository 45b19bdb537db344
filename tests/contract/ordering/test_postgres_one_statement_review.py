"""The one-statement order on PostgreSQL (adapters/ordering/postgres_orders.py) seen from outside:
what a consumer of its StockAdjusted gets, what the unit of work's reactions (the catalog's cache)
are told, the product's events in the outbox in its versions' order when catalog writes race the
orders, and a connection cut while the statement waits: nothing written, nothing taken twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
import pytest

from adapters.ordering import postgres_orders
from adapters.system.ids import Uuid7Generator
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.ordering.order_events import ORDERING_EVENTS
from application.ordering.place_order import LineRequest, PlaceOrder
from application.shared.errors import DependencyUnavailable
from application.shared.retry import retry_on_conflict
from domain.catalog.events import StockAdjusted
from domain.ordering.events import OrderPlaced
from domain.shared.errors import InvalidValue
from domain.shared.events import DomainEvent
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from tests.contract.ordering.conftest import OrderingStores
from tests.contract.ordering.test_ordering_stores import T0, product, shop_on, stock_of
from tests.contract.ordering.test_postgres_one_statement_order import order
from tests.support.ordering.shop import Shop
from tests.support.servers import PATIENCE, require_sql_server

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("ordering_stores", ["postgresql"], indirect=True),
]


async def claimed(stores: OrderingStores) -> list[Any]:
    async with stores.outbox.claim(1000) as batch:
        batch.sent(len(batch.events))
        return list(batch.events)


async def test_its_stock_adjusted_is_what_the_registry_encodes(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    await shop.place(order(tea, 1))  # the price remembered
    await claimed(ordering_stores)

    placed = await shop.place(order(tea, 2, quantity=2))

    assert one_statements[-1] is True
    stock_row, order_row = await claimed(ordering_stores)
    # What the transaction's way writes: the registry's encoding of the event after the take.
    expected = StockAdjusted(
        aggregate_id=tea,
        organisation_id=Tenant.single().organisation_id,
        occurred_at=stock_row.occurred_at,
        version=3,
        delta=-2,
        stock=2,
        reason=f"order {placed.order_id} placed",
    )
    (encoded,) = IntegrationEvents(
        EventRegistry(CATALOG_EVENTS, ORDERING_EVENTS), Uuid7Generator()
    )([expected])
    wire = json.loads(msgspec.json.encode(encoded.payload))
    assert stock_row.payload == wire
    assert {k: type(v) for k, v in stock_row.payload.items()} == {
        k: type(v) for k, v in wire.items()
    }
    assert (stock_row.type, stock_row.version, stock_row.aggregate_id) == (
        encoded.type,
        encoded.version,
        tea,
    )
    assert stock_row.tenant == Tenant.single()
    assert stock_row.occurred_at == order_row.occurred_at  # the order's clock, as before
    assert order_row.type == "ordering.OrderPlaced"
    assert order_row.payload["lines"][0]["unit_price"] == {"amount": "4.20", "currency": "EUR"}


async def test_its_reactions_hear_the_take_with_the_stock_and_version_it_left(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    heard: list[Sequence[DomainEvent]] = []

    async def react(events: Sequence[DomainEvent]) -> None:
        heard.append(list(events))

    made = ordering_stores.ordering_uow

    def reacting(*, read_only: bool = False) -> Any:
        uow = made(read_only=read_only)
        uow.on_committed = react  # as the container wires it (the catalog's cache forgets)
        return uow

    ordering_stores.ordering_uow = reacting
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    await shop.place(order(tea, 1))
    await shop.place(order(tea, 2))

    assert one_statements[-1] is True
    first, second = heard
    for events, (stock, version) in ((first, (4, 2)), (second, (3, 3))):
        kinds = [type(event) for event in events]
        assert kinds == [StockAdjusted, OrderPlaced]
        taken = events[0]
        assert isinstance(taken, StockAdjusted)
        assert (taken.aggregate_id, taken.stock, taken.version) == (tea, stock, version)
    assert await stock_of(ordering_stores, tea) == 3


async def _change_price(stores: OrderingStores, tea: UUID, cents: int) -> None:
    async def attempt() -> None:
        async with stores.catalog_uow() as uow:
            found = await uow.products.get(Tenant.single(), tea)
            assert found is not None
            found.change(now=T0, price=Money(Decimal(cents) / 100, "EUR"))
            await uow.products.update(found)
            await uow.commit()

    await retry_on_conflict(attempt, attempts=50)


async def _restock(stores: OrderingStores, tea: UUID) -> None:
    async def attempt() -> None:
        async with stores.catalog_uow() as uow:
            found = await uow.products.get(Tenant.single(), tea)
            assert found is not None
            found.adjust_stock(delta=3, reason="restock", now=T0)
            await uow.products.update(found)
            await uow.commit()

    await retry_on_conflict(attempt, attempts=50)


async def _orders(shop: Shop, tea: UUID, first: int, count: int) -> None:
    for n in range(count):
        await shop.place(order(tea, first + n))
        await asyncio.sleep(0.003)  # room for the catalog's reads and versioned updates


async def test_a_products_events_reach_the_outbox_in_its_versions_order_when_writes_race(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 200)
    await shop.place(order(tea, 1))
    await claimed(ordering_stores)
    sent = len(one_statements)

    async def catalog_writes() -> None:
        for n in range(12):
            await asyncio.sleep(0.005)
            await (
                _change_price(ordering_stores, tea, 430 + n)
                if n % 2
                else _restock(ordering_stores, tea)
            )

    await asyncio.gather(_orders(shop, tea, 100, 20), _orders(shop, tea, 200, 20), catalog_writes())

    assert any(one_statements[sent:])  # some orders went as one statement (whether one
    # missed a changed price depends on the interleaving: the test below makes sure of one)
    rows = [row for row in await claimed(ordering_stores) if row.aggregate_id == tea]
    versions = [row.payload["version"] for row in rows]
    assert versions == sorted(versions)
    assert versions == list(range(versions[0], versions[0] + len(versions)))  # none lost
    async with ordering_stores.catalog_uow(read_only=True) as uow:
        found = await uow.products.get(Tenant.single(), tea)
    assert found is not None
    assert found.version == versions[-1]
    assert found.stock == 200 - 41 + 6 * 3
    # Each StockAdjusted's stock follows from the one before it and its delta.
    stock = None
    for row in rows:
        if row.type == "catalog.StockAdjusted":
            if stock is not None:
                assert row.payload["stock"] == stock + row.payload["delta"]
            stock = row.payload["stock"]


async def _waiting_for_a_row_lock(
    holder: asyncpg.Connection, placing: asyncio.Future[Any]
) -> list[int]:
    """The backends of this database (each xdist worker has its own) other than `holder`'s
    that wait for a lock in the order's statement: asked until one does, or `placing` ends
    without (what ended it is raised, or it took the stock without waiting), or PATIENCE has
    passed (a bound on a loaded machine, never a measure; the backends are then listed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while True:
        # In a transaction (the holder's, in one test) a backend's `state` and `query` are read
        # once and kept until it ends; its wait is read live. Without this, a first look taken
        # before the order's statement began kept showing the connection's last SELECT, idle,
        # while it waited (two CI runs at four workers).
        await holder.execute("SELECT pg_stat_clear_snapshot()")
        waiting = [
            row["pid"]
            for row in await holder.fetch(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%outbox%' AND pid <> pg_backend_pid()"
                " AND datname = current_database()"
            )
        ]
        if waiting:
            return waiting
        if placing.done():
            placed = placing.result()  # raises what ended the order without waiting
            raise AssertionError(f"the order ended without waiting for the row: {placed!r}")
        if loop.time() > deadline:  # say what this database's backends were doing instead
            backends = await holder.fetch(
                "SELECT pid, state, wait_event_type, wait_event, left(query, 120) AS query"
                " FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            seen = [dict(backend) for backend in backends]
            raise AssertionError(f"no statement waited within {PATIENCE} s; backends: {seen}")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("price_changes", [False, True])
async def test_a_catalog_write_the_statement_waited_for_comes_first_in_the_outbox(
    ordering_stores: OrderingStores, one_statements: list[bool], price_changes: bool
) -> None:
    """A catalog transaction holds the product's row (its UPDATE and its outbox row sent, not
    committed) while the order's statement waits for it: once it commits, the statement sees
    the row as it left it (a restock: takes from the new stock; a new price: takes nothing, and
    the retry prices the order anew), and the product's events are in the outbox in its
    versions' order."""
    shop = shop_on(ordering_stores)
    # One left: the statement's UPDATE finds the row a match, so waits for its lock (with none
    # left it would take nothing at once, without waiting: READ COMMITTED, as in a transaction).
    tea = await product(ordering_stores, "TEA", 2)
    await shop.place(order(tea, 1))  # remembered at 4.20
    await claimed(ordering_stores)
    sent = len(one_statements)
    holder = await asyncpg.connect(_server_url())
    try:
        async with ordering_stores.catalog_uow() as uow:
            found = await uow.products.get(Tenant.single(), tea)
            assert found is not None
            found.adjust_stock(delta=3, reason="restock", now=T0)
            if price_changes:
                found.change(now=T0, price=Money(Decimal("5.00"), "EUR"))
            await uow.products.update(found)  # the row locked until the commit
            placing = asyncio.ensure_future(shop.place(order(tea, 2)))
            assert len(await _waiting_for_a_row_lock(holder, placing)) == 1
            await uow.commit()
        placed = await placing
    finally:
        await holder.close()

    assert one_statements[sent:] == ([False] if price_changes else [True])
    assert await stock_of(ordering_stores, tea) == 3
    rows = [(row.type, row.payload) for row in await claimed(ordering_stores)]
    kinds = [kind for kind, _ in rows]
    versions = [payload["version"] for kind, payload in rows if kind.startswith("catalog.")]
    assert versions == sorted(versions), rows
    assert kinds[-2:] == ["catalog.StockAdjusted", "ordering.OrderPlaced"]
    assert rows[-2][1]["stock"] == 3
    assert rows[-1][1]["order_id"] == str(placed.order_id)
    price = rows[-1][1]["lines"][0]["unit_price"]["amount"]
    assert price == ("5.00" if price_changes else "4.20")


def _server_url() -> str:
    """The test server's database the stores use (each xdist worker has its own)."""
    return require_sql_server("postgresql").replace("postgresql+asyncpg://", "postgresql://")


async def test_a_connection_cut_while_the_statement_waits_writes_and_takes_nothing(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    await shop.place(order(tea, 1))  # remembered; 4 left
    await claimed(ordering_stores)
    head = len(await ordering_stores.events.read_all())
    sent = len(one_statements)

    holder = await asyncpg.connect(_server_url())
    try:
        lock = holder.transaction()
        await lock.start()
        await holder.execute("SELECT 1 FROM products WHERE id = $1 FOR UPDATE", tea)
        placing = asyncio.ensure_future(shop.place(order(tea, 2)))
        waiting = await _waiting_for_a_row_lock(holder, placing)
        assert len(waiting) == 1, "the order's statement never waited for the row"
        await holder.execute("SELECT pg_terminate_backend($1)", waiting[0])
        await lock.rollback()
        # Told as an outage (503), not retried: the statement did not answer.
        with pytest.raises(DependencyUnavailable):
            await placing
    finally:
        await holder.close()

    assert len(one_statements) == sent  # no answer came back from the statement
    assert await stock_of(ordering_stores, tea) == 4  # not taken, and not taken again
    assert len(await ordering_stores.events.read_all()) == head
    assert await claimed(ordering_stores) == []
    # The pool still serves: the next order goes, once.
    await shop.place(order(tea, 3))
    assert await stock_of(ordering_stores, tea) == 3
    assert len(await ordering_stores.events.read_all()) == head + 1


async def test_a_remembered_product_since_removed_is_refused_and_leaves_no_row(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    await shop.place(order(tea, 1))  # remembered
    async with ordering_stores.catalog_uow() as uow:
        found = await uow.products.get(Tenant.single(), tea)
        assert found is not None
        found.delete(now=T0)
        await uow.products.remove(found)
        await uow.commit()
    await claimed(ordering_stores)
    head = len(await ordering_stores.events.read_all())

    with pytest.raises(InvalidValue):
        await shop.place(order(tea, 2))

    assert one_statements[-1] is False  # the statement found no row to take from
    assert len(await ordering_stores.events.read_all()) == head
    assert await claimed(ordering_stores) == []


async def test_racing_orders_under_one_key_place_one_and_take_once(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    await shop.place(order(tea, 1))  # remembered
    await claimed(ordering_stores)
    keyed = PlaceOrder(
        tenant=Tenant.single(),
        customer_id=UUID(int=2),
        lines=(LineRequest(tea, 2),),
        idempotency_key="k-1",
    )
    sent = len(one_statements)

    answers = await asyncio.gather(*(shop.place(keyed) for _ in range(4)))

    assert {answer.order_id for answer in answers} == {answers[0].order_id}
    assert one_statements[sent:] == []  # a keyed order reads its stream first: a transaction
    assert await stock_of(ordering_stores, tea) == 2
    kinds = [row.type for row in await claimed(ordering_stores)]
    assert kinds == ["catalog.StockAdjusted", "ordering.OrderPlaced"]


async def test_the_statement_takes_only_from_the_ordering_tenants_catalog(
    ordering_stores: OrderingStores, one_statements: list[bool]
) -> None:
    """Prices are remembered by tenant and product; should another tenant's order still come
    with a product id of this one and its price, the statement's own tenant condition takes
    nothing, and the order is refused as naming no product."""
    shop = shop_on(ordering_stores)
    tea = await product(ordering_stores, "TEA", 5)
    other = Tenant(UUID(int=7))
    postgres_orders.PRICES.remember(other, tea, Money(Decimal("4.20"), "EUR"))
    await claimed(ordering_stores)
    head = len(await ordering_stores.events.read_all())

    with pytest.raises(InvalidValue):
        await shop.place(
            PlaceOrder(tenant=other, customer_id=UUID(int=2), lines=(LineRequest(tea, 1),))
        )

    assert one_statements == [False]
    assert await stock_of(ordering_stores, tea) == 5
    assert len(await ordering_stores.events.read_all()) == head
    assert await claimed(ordering_stores) == []
    assert postgres_orders.PRICES.get(other, tea) is None  # forgotten at the miss
