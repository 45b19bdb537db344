"""End to end on a three-node JetStream cluster (streams with 3 replicas): orders keep being
placed while the node the worker is connected to is killed (SIGKILL) and restarted, then the
node leading the ordering stream. No event is lost at either consumer: the audit consumer
applies each of the catalog's events exactly once (one audit row per event id), and the
notifications consumer sends each ordering event once (one `notification.sent` line per event
id, even when a killed node took an ack with it). The worker reports its reconnection.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from adapters.audit.tables import audit_log
from adapters.messaging.nats import NatsMessageBus
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.schema import metadata
from adapters.persistence.sql.tables import outbox
from application.catalog.create_product import CreateProduct
from application.ordering.place_order import LineRequest, PlaceOrder
from application.shared.ports.messaging import BusUnavailable, Delivery
from domain.shared.tenant import Tenant
from entrypoints.container import Container, build_container, close_container
from entrypoints.settings import BusSettings, DatabaseSettings, Settings
from tests.e2e.catalog.test_messaging_faults import worker_env
from tests.support.databases import recreate_database, with_database
from tests.support.nats_cluster import NatsCluster, NatsNode
from tests.support.servers import POSTGRES_URL, require_server
from tests.support.workers import WorkerProcess

pytestmark = [pytest.mark.nats, pytest.mark.postgres]
WAIT = 60.0  # guards against hanging, never an assertion on speed
NAMESPACE = "cluster"
PRODUCTS = 5


async def event_ids(database: SqlDatabase, context: str) -> set[UUID]:
    """The ids of the events `context` committed (the outbox keeps sent rows)."""
    async with database.autocommit_engine.connect() as connection:
        rows = await connection.scalars(
            select(outbox.c.event_id).where(outbox.c.type.startswith(f"{context}."))
        )
        return set(rows)


async def audited(database: SqlDatabase) -> Counter[UUID]:
    async with database.autocommit_engine.connect() as connection:
        return Counter(await connection.scalars(select(audit_log.c.event_id)))


def doubled(counts: Counter[UUID]) -> dict[UUID, int]:
    return {event: count for event, count in counts.items() if count != 1}


def notified(worker: WorkerProcess) -> Counter[UUID]:
    lines = [line for line in list(worker.lines) if line.get("event") == "notification.sent"]
    return Counter(UUID(line["notification_id"]) for line in lines)


async def keep_placing(container: Container, products: list[UUID], stop: asyncio.Event) -> int:
    """One order after another (one line each) until `stop`; how many were placed."""
    place = container.ordering.place_order()
    placed = 0
    while not stop.is_set():
        line = LineRequest(products[placed % len(products)], 1)
        await place(PlaceOrder(tenant=Tenant.single(), customer_id=uuid4(), lines=(line,)))
        placed += 1
        await asyncio.sleep(0.02)
    return placed


async def progressed(database: SqlDatabase, worker: WorkerProcess, by: int) -> None:
    """Wait until both consumers applied `by` more events than now (the cluster still serves)."""
    audit, notes = sum((await audited(database)).values()), sum(notified(worker).values())
    async with asyncio.timeout(WAIT):
        while (
            sum((await audited(database)).values()) < audit + by
            or sum(notified(worker).values()) < notes + by
        ):
            await asyncio.sleep(0.1)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    running = NatsCluster(tmp_path / "nats")
    try:
        running.start()
        yield running
    finally:
        running.stop()


async def test_orders_flow_on_while_a_node_and_then_the_stream_leader_are_killed(
    tmp_path: Path, cluster: NatsCluster
) -> None:
    base = require_server(POSTGRES_URL, "PORTICO_TEST_POSTGRES_URL")
    database_url = with_database(base, f"{base.rsplit('/', 1)[1]}_nats_cluster")
    await recreate_database(database_url)
    database = SqlDatabase(database_url, pool_size=2)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    env = {
        **worker_env(database_url, cluster.url, NAMESPACE),
        "PORTICO_NATS_REPLICAS": "3",
        "PORTICO_BUS_ACK_WAIT": "2",
        "PORTICO_OUTBOX_RETENTION": "3600",  # sent rows kept: the record of what was committed
    }
    container = build_container(
        Settings(
            environment="test",
            database=DatabaseSettings(url=database_url),
            bus=BusSettings(backend="nats", nats_url=cluster.url, nats_namespace=NAMESPACE),
        )
    )
    create = container.catalog.create_product()
    products = [
        (
            await create(
                CreateProduct(
                    tenant=Tenant.single(),
                    sku=f"K-{n}",
                    name="Kettle",
                    price_amount="9.90",
                    price_currency="EUR",
                    stock=10_000,
                )
            )
        ).id
        for n in range(PRODUCTS)
    ]
    worker = WorkerProcess(env, tmp_path).start()
    stop = asyncio.Event()
    placing = asyncio.create_task(keep_placing(container, products, stop))
    try:
        await asyncio.to_thread(worker.wait_for, "worker.ready", 2 * WAIT)
        stream = NatsMessageBus(cluster.url, namespace=NAMESPACE).stream_name("ordering")
        await progressed(database, worker, by=10)

        # The node the worker is connected to: its client is named portico-<pid>.
        assert worker.process is not None
        ours = f"portico-{worker.process.pid}"
        first = next(node for node in cluster.nodes if ours in node.client_names())
        first.kill()
        await asyncio.to_thread(worker.wait_for, "NATS reconnected", WAIT)
        await progressed(database, worker, by=10)  # two nodes of three still serve
        cluster.restart(first)

        info = await cluster.in_sync(stream)  # the restarted node caught up
        assert info.config.num_replicas == 3  # PORTICO_NATS_REPLICAS
        assert info.cluster is not None
        assert info.cluster.leader
        leader: NatsNode = cluster.node(info.cluster.leader)
        leader.kill()
        await progressed(database, worker, by=10)  # a new leader was elected
        cluster.restart(leader)
        await progressed(database, worker, by=10)
        await cluster.in_sync(stream)

        stop.set()
        placed = await placing
        catalog = await event_ids(database, "catalog")
        ordering = await event_ids(database, "ordering")
        assert len(ordering) == placed
        assert len(catalog) == PRODUCTS + placed  # each created, then one stock change per order
        async with asyncio.timeout(WAIT):
            while set(await audited(database)) != catalog or set(notified(worker)) != ordering:
                await asyncio.sleep(0.1)
        # None lost: the sets are equal. None doubled: the audit consumer's inbox commits with
        # its effect; the notifications consumer records each send in its delivery log, so an
        # event that comes again because its ack died with a killed node sends nothing.
        assert doubled(await audited(database)) == {}
        assert doubled(notified(worker)) == {}
        print(f"{placed} orders, each notified once, through two node kills")
        assert worker.terminate() == 0
    finally:
        stop.set()
        placing.cancel()
        worker.kill()
        await close_container(container)
        await database.dispose()


async def test_a_stream_made_with_one_replica_follows_a_raised_setting(
    cluster: NatsCluster,
) -> None:
    for replicas in (1, 3):
        bus = NatsMessageBus(cluster.url, namespace="grow", replicas=replicas)
        await bus.start()
        try:
            # While the stream and its consumer move to more replicas they elect leaders, and
            # JetStream does not answer: subscribe again, as the worker does.
            async with asyncio.timeout(WAIT):
                while True:
                    try:
                        subscription = await bus.subscribe("audit", _ignore, contexts=["catalog"])
                        break
                    except BusUnavailable:
                        await asyncio.sleep(0.5)
            await subscription.stop()
        finally:
            await bus.close()
        stream = bus.stream_name("catalog")
        info = await cluster.stream_info(stream)
        assert info.config.num_replicas == replicas
        consumer = await cluster.consumer_info(stream, "audit")
        assert consumer.cluster is not None
        peers = {peer.name for peer in consumer.cluster.replicas or []}
        assert len(peers | {consumer.cluster.leader} - {None}) == replicas  # it followed


async def _ignore(delivery: Delivery) -> None:
    await delivery.ack()
