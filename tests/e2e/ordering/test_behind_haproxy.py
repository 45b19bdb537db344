"""Proof behind a real load balancer: HAProxy (the shipped deploy/haproxy/haproxy.cfg) in front of
three `portico serve` processes, two `portico worker` processes, on PostgreSQL, Redis and NATS.

A bounded mixed load (tests/support/mixed_load.py) runs through the balancer while one API process
is killed with SIGKILL and started again. Then: no client request ultimately failed; each
Idempotency-Key placed one order; every order event reached the notifications consumer once and
every catalog event the audit log once; the order projection caught up; the three processes answer
every product as the database holds it; and the sign-in limit counts per real client (two
loopback addresses, 127.0.0.2 and 127.0.0.3, as two clients) through the balancer.

The figures (requests, p50/p99, resends, HAProxy's retries and redispatches) are printed, never
asserted; docs/deployment.md quotes a run. It lives with ordering, whose orders it places (the
catalog's products too): removing the context removes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from adapters.persistence.sql.engine import create_engine
from tests.e2e.conftest import ADMIN, PATIENCE, portico_env, postgres_copy
from tests.support.haproxy import PrivateHaproxy, require_haproxy
from tests.support.mixed_load import MixedLoad, Plan
from tests.support.nats import delete_namespace, require_nats, unique_namespace
from tests.support.processes import ApiProcess
from tests.support.redis import REDIS_URL, delete_prefix, unique_prefix
from tests.support.servers import require_server
from tests.support.webhook_receiver import SECRET, WebhookReceiver, webhook_receiver
from tests.support.workers import WorkerProcess, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.nats, pytest.mark.haproxy]
CUSTOMER = {"email": "dana@example.com", "password": "a customer secret!"}
TASKS, LOAD_SECONDS, KILL_AFTER = 8, 15.0, 4.0
LIMIT = 5  # sign-ins per minute per client; the setup signs in 3 times from 127.0.0.1
GUARD = 120.0  # a bound against hanging, never a measure (shared CI machines are slow)


@pytest.fixture
def prefix() -> Iterator[str]:
    require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
    name = unique_prefix()
    yield name

    async def forget() -> None:
        client = Redis.from_url(REDIS_URL)
        try:
            await delete_prefix(client, name)
        finally:
            await client.aclose()

    asyncio.run(forget())


@pytest.fixture
def namespace() -> Iterator[str]:
    url, name = require_nats(), unique_namespace()
    yield name
    asyncio.run(delete_namespace(url, name))


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


def rows(url: str, query: str) -> list[Any]:
    async def read() -> list[Any]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(text(query))).all())
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.mark.slow
def test_three_apis_behind_haproxy_survive_a_killed_process(
    tmp_path: Path, postgres_template: str, prefix: str, namespace: str, receiver: WebhookReceiver
) -> None:
    require_haproxy()
    database = postgres_copy(postgres_template, "haproxy")
    env = portico_env(
        database_url=database,
        cache="redis",
        redis_url=REDIS_URL,
        cache_prefix=prefix,
        bus="nats",
        nats_url=require_nats(),
        nats_namespace=namespace,
        background="worker",
        trusted_proxies="127.0.0.1/32",  # HAProxy's address as the API processes see it
        rate_limit_auth_per_minute=str(LIMIT),
        notifier="webhook",
        notifier_webhook_url=receiver.url,
        notifier_webhook_secret=SECRET,
        # A key whose request died with its process is freed 3 s after its claim.
        maintenance_interval="1",
        idempotency_stuck_after="3",
        outbox_retention="3600",  # sent rows kept: `drained` compares them with what arrived
        outbox_poll_interval="0.05",
        messaging_stats_interval="0",
        log_format="json",
        log_level="WARNING",
        access_log="false",
    )
    # The workers log at INFO: `worker.ready` says they consume.
    workers = [WorkerProcess({**env, "PORTICO_LOG_LEVEL": "INFO"}, tmp_path) for _ in range(2)]
    for worker in workers:
        worker.start()
    apis = [ApiProcess(f"api{n}", env, tmp_path).start() for n in (1, 2, 3)]
    try:
        for api in apis:
            api.wait_ready()
        for worker in workers:
            worker.wait_for("worker.ready", timeout=180)
        servers = {api.name: api.port for api in apis}
        with PrivateHaproxy(tmp_path / "haproxy", servers) as haproxy:
            wait_until(lambda: all_up(haproxy), GUARD, "HAProxy sees the three processes up")
            plan = seed(haproxy.url)
            began = time.monotonic()
            run = asyncio.run(drive(haproxy, plan, apis[1]))
            took = time.monotonic() - began
            stats = haproxy.stats()
            figures = run.load.figures
            print(
                f"\n{TASKS} clients for {took:.1f} s through HAProxy; api2 killed after "
                f"{KILL_AFTER:.0f} s, ready again {run.restarted_after:.1f} s in"
            )
            print(figures.summary())
            print(
                "HAProxy: "
                + ", ".join(
                    f"{name} {row['stot']} requests, {row['wretr']} retries, "
                    f"{row['wredis']} redispatches, {row['status']}"
                    for name, row in stats.items()
                    if name != "BACKEND"
                )
            )
            print(
                f"all requests p99 {figures.p99_ms():.1f} ms, "
                f"{sum(figures.requests.values())} requests"
            )

            assert {kind: dict(c) for kind, c in figures.failures.items() if c} == {}
            assert all(int(stats[api.name]["stot"]) > 0 for api in apis)
            assert run.served_after_restart > 0  # the restarted process took requests again

            drained(database, receiver)
            freed = sum(
                int(line.get("stuck_idempotency_claims", 0))
                for worker in workers
                for line in worker.lines
                if line.get("event") == "maintenance.done"
            )
            print(f"stuck claims freed: {freed}")
            check_orders(database, figures.orders)
            check_consumers(database, receiver)
            agree(database, plan, apis)
            assert sign_ins(haproxy.url, "127.0.0.2", LIMIT + 1) == [401] * LIMIT + [429]
            assert sign_ins(haproxy.url, "127.0.0.3", 1) == [401]  # its own limit
    finally:
        for api in apis:
            api.stop()
        for worker in workers:
            worker.kill()


def all_up(haproxy: PrivateHaproxy) -> bool:
    servers = [row for name, row in haproxy.stats().items() if name != "BACKEND"]
    return len(servers) == 3 and all(row["status"].startswith("UP") for row in servers)


def seed(url: str) -> Plan:
    """Through the balancer: the admin (writes products), a customer (places orders), products to
    read and order (stock enough for any run) and one product per task to change."""
    with httpx.Client(base_url=url, timeout=30) as http:

        def signed_in(email: str, password: str) -> dict[str, str]:
            answer = http.post("/api/v1/auth/login", json={"email": email, "password": password})
            return {"Authorization": f"Bearer {answer.raise_for_status().json()['access_token']}"}

        admin = signed_in(*ADMIN)
        http.post("/api/v1/auth/register", json=CUSTOMER).raise_for_status()
        customer = signed_in(CUSTOMER["email"], CUSTOMER["password"])

        def product(sku: str, stock: int) -> str:
            price = {"amount": "4.50", "currency": "EUR"}
            body = {"sku": sku, "name": f"Product {sku}", "price": price, "stock": stock}
            made = http.post("/api/v1/products", json=body, headers=admin).raise_for_status()
            return str(made.json()["id"])

        read_ids = [product(f"LB-READ-{n}", 10_000_000) for n in range(10)]
        write_ids = [product(f"LB-WRITE-{n}", 10) for n in range(TASKS)]
    return Plan(admin, customer, read_ids, write_ids)


class Run:
    def __init__(self, load: MixedLoad) -> None:
        self.load = load
        self.restarted_after = 0.0  # seconds into the load
        self.served_after_restart = 0  # requests HAProxy gave the restarted process


async def drive(haproxy: PrivateHaproxy, plan: Plan, victim: ApiProcess) -> Run:
    """The load for LOAD_SECONDS, and longer if need be until the killed process, started
    again, took requests through the balancer."""
    limits = httpx.Limits(max_connections=TASKS)
    async with httpx.AsyncClient(base_url=haproxy.url, timeout=30, limits=limits) as http:
        run = Run(MixedLoad(http, plan))
        began = time.monotonic()
        tasks = [asyncio.create_task(run.load.run(n)) for n in range(TASKS)]
        try:
            await asyncio.sleep(KILL_AFTER)
            await asyncio.to_thread(victim.kill)
            victim.start()
            await asyncio.to_thread(victim.wait_ready)
            run.restarted_after = time.monotonic() - began
            before = int((await asyncio.to_thread(haproxy.stats))[victim.name]["stot"])
            deadline = time.monotonic() + GUARD  # HAProxy's checks find it up within seconds
            while time.monotonic() < deadline:
                now = int((await asyncio.to_thread(haproxy.stats))[victim.name]["stot"])
                run.served_after_restart = now - before
                if time.monotonic() - began >= LOAD_SECONDS and run.served_after_restart > 0:
                    break
                await asyncio.sleep(0.2)
        finally:
            run.load.stop.set()
            await asyncio.gather(*tasks)
    return run


def _ids(database: str, query: str) -> list[str]:
    return [str(row[0]) for row in rows(database, query)]


ORDER_EVENTS = "SELECT event_id FROM outbox WHERE type LIKE 'ordering.%'"
CATALOG_EVENTS = "SELECT event_id FROM outbox WHERE type LIKE 'catalog.%'"


# The last event in the event store's read order (adapters/persistence/sql/event_store.py).
LAST_EVENT = (
    "SELECT coalesce((SELECT position FROM event_store_events"
    " ORDER BY transaction_id DESC, position DESC LIMIT 1), 0)"
)


def drained(database: str, receiver: WebhookReceiver) -> None:
    """Wait until the relay sent everything and the consumers and the projector caught up."""

    def caught_up() -> bool:
        pending = rows(database, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
        audited = set(_ids(database, "SELECT event_id FROM audit_log"))
        head = rows(database, LAST_EVENT)[0][0]
        positions = {row[0] for row in rows(database, "SELECT position FROM projection_state")}
        return (
            pending == 0
            and set(_ids(database, ORDER_EVENTS)) <= set(receiver.ids)
            and set(_ids(database, CATALOG_EVENTS)) <= audited
            and positions == {head}
        )

    wait_until(caught_up, GUARD, "the outbox sent, consumers and projections caught up")


def check_orders(database: str, orders: dict[str, set[str]]) -> None:
    """One order per Idempotency-Key, however often it was sent: also when a process was killed
    after its order committed but before the key recorded the answer (housekeeping frees the
    stuck claim, and the client's retry finds the order by the id the key derives)."""
    assert orders, "no order was placed"
    assert {key: ids for key, ids in orders.items() if len(ids) != 1} == {}
    answered = {order_id for ids in orders.values() for order_id in ids}
    streams = _ids(database, "SELECT stream_id FROM event_store_events WHERE type LIKE '%Placed'")
    placed = Counter(stream.removeprefix("order-") for stream in streams)
    assert {order: n for order, n in placed.items() if n != 1} == {}
    assert answered == set(placed)
    summaries = rows(
        database,
        "SELECT count(*) FROM order_summaries s JOIN projection_state p "
        "ON p.name = 'order_summaries' AND s.generation = p.generation",
    )[0][0]
    assert summaries == len(placed)


def check_consumers(database: str, receiver: WebhookReceiver) -> None:
    """Each order event notified once, each catalog event audited once."""
    notified = Counter(receiver.ids)
    assert sorted(notified) == sorted(_ids(database, ORDER_EVENTS))
    assert {event: n for event, n in notified.items() if n != 1} == {}
    audited = Counter(_ids(database, "SELECT event_id FROM audit_log"))
    assert sorted(audited) == sorted(_ids(database, CATALOG_EVENTS))
    assert {event: n for event, n in audited.items() if n != 1} == {}


def agree(database: str, plan: Plan, apis: list[ApiProcess]) -> None:
    """Every product, read from each API process directly (its cache), as the database has it."""
    wrong: list[tuple[str, str, tuple[Any, ...], tuple[Any, ...]]] = []

    def agreeing() -> bool:
        held = {
            str(row[0]): tuple(row[1:])
            for row in rows(database, "SELECT id, name, version, stock FROM products")
        }
        wrong.clear()
        with httpx.Client(timeout=PATIENCE) as http:  # httpx.get would make a client per product
            for api in apis:
                for product in [*plan.read_ids, *plan.write_ids]:
                    got = http.get(f"{api.url}/api/v1/products/{product}").json()
                    answered = (got["name"], got["version"], got["stock"])
                    if answered != held[product]:
                        wrong.append((api.name, product, answered, held[product]))
        return not wrong

    # Invalidations reach the processes after the write returned (the killed one's own never
    # ran): wait a bounded while for them, then say which answers differ.
    with contextlib.suppress(TimeoutError):
        wait_until(agreeing, 30, "the processes answer as the database holds")
    assert wrong == []


def sign_ins(url: str, source: str, count: int) -> list[int]:
    """Failed sign-ins through the balancer from `source` (a loopback address): HAProxy names
    it in X-Forwarded-For. Each tries another account, so no account lockout interferes."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=url, transport=transport, timeout=PATIENCE) as http:
        return [
            http.post(
                "/api/v1/auth/login",
                json={"email": f"nobody-{n}@{source}.example.com", "password": "wrong one"},
            ).status_code
            for n in range(count)
        ]
