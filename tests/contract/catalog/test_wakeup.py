"""The wake-up after a commit (docs/messaging.md): on PostgreSQL a commit in one process wakes the
relay of another at once, however long its poll; a ring nobody hears is made up for by the
safety-net poll; and the LISTEN connection comes back after a PostgreSQL restart.

The writer of each test is "another process": its own engine, outbox and doorbell, which the
relay's does not hear in process, so only PostgreSQL's NOTIFY (or the poll) can wake the relay.
Waits are bounded far below the poll interval they prove unnecessary; nothing here is timed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text

from adapters.catalog.sql import SqlCatalogUnitOfWork
from adapters.messaging.memory import MemoryMessageBus
from adapters.messaging.retry import RetryPolicy
from adapters.persistence.doorbell import InProcessDoorbell
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.notify import (
    CHANNEL,
    OUTBOX_ONLY,
    PostgresDoorbell,
    connect_arguments,
)
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.system.ids import Uuid7Generator
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.catalog.product_events import CATALOG_EVENTS
from application.catalog.views import ProductView
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.messaging.relay import OutboxRelay
from application.shared.ports.event_store import NewEvent
from application.shared.ports.messaging import IntegrationEvent
from application.shared.ports.wakeup import Doorbell
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock
from tests.support.postgres import PrivatePostgres, private_postgres

pytestmark = pytest.mark.postgres

BOUND = 30.0  # seconds: a failure, not a measure; the relay would otherwise poll after 60
ids = Uuid7Generator()
events = IntegrationEvents(EventRegistry(CATALOG_EVENTS), ids)


class RecordingBus(MemoryMessageBus):
    def __init__(self) -> None:
        super().__init__(retry=RetryPolicy(max_deliveries=2, first_delay=0.01, ack_wait=1.0))
        self.published: list[IntegrationEvent] = []
        self.arrived = asyncio.Event()

    async def publish(self, event: IntegrationEvent) -> None:
        await super().publish(event)
        self.published.append(event)
        self.arrived.set()


async def create_product(database: SqlDatabase, outbox: SqlOutbox, sku: str) -> ProductView:
    """CreateProduct, as the catalog's use case runs it, on `database` with `outbox`."""

    def uow(*, read_only: bool = False) -> SqlCatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only, outbox=outbox)

    return await CreateProductHandler(uow, SteppingClock(), ids)(
        CreateProduct(
            tenant=Tenant.single(),
            sku=sku,
            name="Tea",
            price_amount="4.00",
            price_currency="EUR",
        )
    )


async def create_product_elsewhere(url: str, sku: str, announced: bool = True) -> None:
    """Commit a product (and its outbox row) as another process would; `announced` False: with
    an in-process doorbell, which tells no other process (a NOTIFY lost)."""
    writer = SqlDatabase(url, pool_size=1)
    doorbell = PostgresDoorbell(url) if announced else InProcessDoorbell()
    try:
        await create_product(writer, SqlOutbox(writer, events, doorbell), sku)
    finally:
        if isinstance(doorbell, PostgresDoorbell):
            await doorbell.close()  # after its announcement went
        await writer.dispose()


async def relayed(database: SqlDatabase, doorbell: Doorbell, poll: float, sku: str) -> None:
    """Run a relay polling every `poll` seconds, commit a product elsewhere once the relay idles,
    and return once its event reached the bus (failing after BOUND seconds)."""
    bus = RecordingBus()
    relay = OutboxRelay(
        SqlOutbox(database, events, doorbell), bus, poll_interval=poll, idle_poll_interval=poll
    )
    stopping = asyncio.Event()
    running = asyncio.create_task(relay.run(stopping))
    try:
        if isinstance(doorbell, PostgresDoorbell):
            await asyncio.wait_for(doorbell.listening.wait(), BOUND)
        await asyncio.sleep(0.1)  # past its first, empty claim: waiting
        url = database.engine.url.render_as_string(False)
        await create_product_elsewhere(url, sku, announced=isinstance(doorbell, PostgresDoorbell))
        async with asyncio.timeout(BOUND):
            while sku not in [event.payload.get("sku") for event in bus.published]:
                bus.arrived.clear()
                await bus.arrived.wait()
        # Other tests may share the database: their rows may come along, ours must be there.
        assert sku in [event.payload.get("sku") for event in bus.published]
    finally:
        stopping.set()
        await running
        await bus.close()
        if isinstance(doorbell, PostgresDoorbell):
            await doorbell.close()


async def test_a_commit_in_another_process_wakes_a_relay_that_polls_once_a_minute(
    database: SqlDatabase,
) -> None:
    doorbell = PostgresDoorbell(database.engine.url.render_as_string(False))
    await relayed(database, doorbell, poll=60.0, sku="WOKEN-1")


async def test_a_ring_nobody_hears_is_made_up_for_by_the_safety_net_poll(
    database: SqlDatabase,
) -> None:
    # The relay's doorbell hears only its own process: the commit elsewhere is a lost ring.
    await relayed(database, InProcessDoorbell(), poll=0.1, sku="POLLED-1")


async def test_the_notify_goes_after_the_commit_never_after_a_rollback(
    database: SqlDatabase,
) -> None:
    """The outbox's rows go without a NOTIFY (it would serialise the commits); `notify` after
    the commit sends one from the doorbell's own connection, naming it. A rolled back append is
    never announced."""
    url = database.engine.url.render_as_string(False)
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(**connect_arguments(url))
    await listener.add_listener(CHANNEL, lambda *args: heard.put_nowait(args[3]))
    doorbell = PostgresDoorbell(url)
    outbox = SqlOutbox(database, events, doorbell)
    kept, rolled_back = create_event(), create_event()
    try:
        async with database.begin() as connection:
            await outbox.append(connection, [kept])
        await asyncio.sleep(0.2)  # a NOTIFY sent with the rows would arrive meanwhile
        assert heard.empty()
        outbox.notify()
        assert await asyncio.wait_for(heard.get(), BOUND) == doorbell.name
        with pytest.raises(RuntimeError):
            async with database.begin() as connection:
                await outbox.append(connection, [rolled_back])
                raise RuntimeError("rolled back")
        await asyncio.sleep(0.2)
        assert heard.empty()
        async with database.connect() as connection:
            found = await connection.execute(
                text("SELECT event_id FROM outbox WHERE event_id IN (:kept, :rolled_back)"),
                {"kept": kept.id, "rolled_back": rolled_back.id},
            )
        assert [row[0] for row in found] == [kept.id]
    finally:
        await listener.close()
        await doorbell.close()


async def test_announcements_asked_for_at_once_go_as_one_notify(database: SqlDatabase) -> None:
    """Commits announced while the doorbell's NOTIFY has not gone are told by that one: a busy
    process sends one per round trip, not one per commit. One that stored events makes it say
    so (the projectors wake), whatever the others stored."""
    url = database.engine.url.render_as_string(False)
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(**connect_arguments(url))
    await listener.add_listener(CHANNEL, lambda *args: heard.put_nowait(args[3]))
    doorbell = PostgresDoorbell(url)
    try:
        for n in range(20):
            doorbell.announce(stored_events=n == 7)
        assert await asyncio.wait_for(heard.get(), BOUND) == doorbell.name
        doorbell.announce(stored_events=False)
        assert await asyncio.wait_for(heard.get(), BOUND) == OUTBOX_ONLY + doorbell.name
        await asyncio.sleep(0.2)
        assert heard.empty()
        # Its connection dropped by the server (a restart): the next goes on a fresh one.
        sending = await listener.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND query LIKE 'NOTIFY %' AND datname = current_database()"
        )
        assert await listener.fetchval("SELECT pg_terminate_backend($1)", sending)
        doorbell.announce()
        assert await asyncio.wait_for(heard.get(), BOUND) == doorbell.name
    finally:
        await listener.close()
        await doorbell.close()


async def test_a_product_created_is_one_statement_with_its_outbox_row_then_notify(
    database: SqlDatabase,
) -> None:
    """CreateProduct on PostgreSQL: the product and its outbox row in one autocommitted
    statement (no BEGIN, no COMMIT of their own), the NOTIFY heard once it is done. It goes on
    the driver's own connection: the engine sees no statement, the driver one (the NOTIFY goes
    on the doorbell's own)."""
    url = database.engine.url.render_as_string(False)
    through_engine: list[str] = []
    on_driver: list[str] = []
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(**connect_arguments(url))
    await listener.add_listener(CHANNEL, lambda *args: heard.put_nowait(args[3]))
    doorbell = PostgresDoorbell(url)

    def executed(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        through_engine.append(statement)

    def logged(query: Any) -> None:
        on_driver.append(query.query)

    def checked_out(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.driver_connection.add_query_logger(logged)  # a set: once per connection

    event.listen(database.engine.sync_engine, "before_cursor_execute", executed)
    event.listen(database.engine.sync_engine, "checkout", checked_out)
    try:
        view = await create_product(database, SqlOutbox(database, events, doorbell), "ONE-TRIP")
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", executed)
        event.remove(database.engine.sync_engine, "checkout", checked_out)
    try:
        # It stores no events: the notification says so, for the projectors (OUTBOX_ONLY).
        assert await asyncio.wait_for(heard.get(), BOUND) == OUTBOX_ONLY + doorbell.name
        assert through_engine == []
        assert len(on_driver) == 1  # the driver logs each query once it is done
        assert on_driver[0].startswith("WITH")
        async with database.connect() as connection:
            product = await connection.scalar(
                text("SELECT sku FROM products WHERE id = :id"), {"id": view.id}
            )
            outboxed = await connection.scalar(
                text("SELECT count(*) FROM outbox WHERE aggregate_id = :id"), {"id": view.id}
            )
        assert (product, outboxed) == ("ONE-TRIP", 1)
    finally:
        await listener.close()
        await doorbell.close()


def create_event() -> IntegrationEvent:
    return IntegrationEvent(
        id=ids.new_id(),
        type="catalog.ProductCreated",
        version=1,
        aggregate_id=ids.new_id(),
        occurred_at=datetime.now(UTC),
        payload={"sku": "ONE-STATEMENT"},
    )


class Waiter:
    """What names a waiting loop (held weakly: a plain object() cannot be)."""


@asynccontextmanager
async def listening(url: str, waiter: Waiter) -> AsyncIterator[PostgresDoorbell]:
    """A PostgreSQL doorbell once it listens (it rings once for `waiter` then); closed after."""
    doorbell = PostgresDoorbell(url)
    try:
        assert await doorbell.wait(BOUND, waiter)
        yield doorbell
    finally:
        await doorbell.close()


async def test_a_product_created_elsewhere_wakes_the_relays_not_the_projectors(
    database: SqlDatabase,
) -> None:
    """A commit that stores no events (a product) rings the relay's waits, not the waits for
    stored events only (the projectors'): they would look in the event store for nothing. An
    append to the event store elsewhere rings those too."""
    url = database.engine.url.render_as_string(False)
    relay, projector = Waiter(), Waiter()
    async with listening(url, relay) as doorbell:
        await doorbell.wait(0.01, projector, stored_events_only=True)  # now a waiter, flag clear
        await create_product_elsewhere(url, "NOT-FOR-PROJECTORS")
        assert await doorbell.wait(BOUND, relay)
        # The ring that woke the relay set every flag it was for at once: not the projector's.
        assert not await doorbell.wait(0.01, projector, stored_events_only=True)
        writer = SqlDatabase(url, pool_size=1)
        try:
            # Its own in-process doorbell: only PostgreSQL's NOTIFY reaches this one.
            await SqlEventStore(writer, InProcessDoorbell()).append(
                f"wakeup-{ids.new_id()}", 0, [stored_event()]
            )
        finally:
            await writer.dispose()
        assert await doorbell.wait(BOUND, projector, stored_events_only=True)


def stored_event() -> NewEvent:
    return NewEvent(
        event_id=ids.new_id(),
        type="Noted",
        schema_version=1,
        payload={},
        occurred_at=datetime.now(UTC),
    )


def test_listening_survives_a_postgresql_restart() -> None:
    with private_postgres() as server:
        asyncio.run(_across_a_restart(server))


async def _across_a_restart(server: PrivatePostgres) -> None:
    url = server.url
    waiter = Waiter()
    async with listening(url, waiter) as doorbell:
        assert doorbell.connections == 1
        server.stop()
        server.start()
        # The connection was cut: it listens again, and rings for what it may have missed.
        assert await doorbell.wait(BOUND * 3, waiter)
        await asyncio.wait_for(doorbell.listening.wait(), BOUND * 3)
        assert doorbell.connections == 2
        # ...and hears the commits of other processes again.
        other = await asyncpg.connect(**connect_arguments(url))
        try:
            await other.execute(f"NOTIFY {CHANNEL}")
        finally:
            await other.close()
        assert await doorbell.wait(BOUND, waiter)
