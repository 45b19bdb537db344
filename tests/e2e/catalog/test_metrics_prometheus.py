"""A real Prometheus scrapes `portico serve` (two workers) and `portico worker`, on PostgreSQL and
a private NATS, and its query API shows the series move as requests and events flow.

Requests are counted in each granian worker and summed by the serving process (multiprocess
mode): the count Prometheus sees is exactly the requests made, whichever worker answered each.
The waits are guards against hanging (Prometheus scrapes every second), never assertions on speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN, portico_env, postgres_copy, serving, sign_in
from tests.support.nats import PrivateNats
from tests.support.prometheus import PrivatePrometheus, require_prometheus
from tests.support.servers import free_port
from tests.support.workers import WorkerProcess

pytestmark = [pytest.mark.prometheus, pytest.mark.nats, pytest.mark.postgres]
WAIT = 60.0
PRODUCT = 'portico_http_requests_total{method="GET",route="/api/v1/products/{product_id}"}'
PRODUCTS, READS = 3, 40
POOL = 4  # PORTICO_DATABASE_POOL_SIZE of every process


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what}")
        time.sleep(0.2)


def test_prometheus_sees_requests_and_events_move(tmp_path: Path, postgres_template: str) -> None:
    require_prometheus()
    database_url = postgres_copy(postgres_template, "metrics")
    serve_metrics, worker_metrics = free_port(), free_port()
    with PrivateNats(tmp_path / "nats") as private_nats:
        env = portico_env(
            database_url=database_url,
            cache="none",
            bus="nats",
            nats_url=private_nats.url,
            nats_namespace="xmetrics",
            background="worker",
            outbox_poll_interval="0.05",
            messaging_stats_interval="0",
            access_log="false",
            database_pool_size=str(POOL),
        )
        worker = WorkerProcess({**env, "PORTICO_METRICS_PORT": str(worker_metrics)}, tmp_path)
        worker.start()
        try:
            # The API starts while the worker does (three interpreters each); both are
            # awaited before anything is asked of them.
            api_env = {**env, "PORTICO_WORKERS": "2", "PORTICO_METRICS_PORT": str(serve_metrics)}
            with (
                serving(api_env, tmp_path) as (api, _),
                httpx.Client(base_url=api) as http,
                PrivatePrometheus(
                    tmp_path / "prometheus",
                    {
                        "serve": f"127.0.0.1:{serve_metrics}",
                        "worker": f"127.0.0.1:{worker_metrics}",
                    },
                ) as prometheus,
            ):
                worker.wait_for("worker.ready")
                until(
                    lambda: (
                        prometheus.value('min(up{job=~"serve|worker"})') == 1.0
                        and prometheus.value("portico_relay_published_total") is not None
                    ),
                    "both targets scraped",
                )
                published = prometheus.value("portico_relay_published_total") or 0.0
                applied = prometheus.value('portico_consumer_applied_total{consumer="audit"}')

                wrong = {"email": ADMIN[0], "password": "no"}
                refused = http.post("/api/v1/auth/login", json=wrong)
                assert refused.status_code == 401
                http.headers.update(sign_in(http, *ADMIN))
                ids = []
                for number in range(PRODUCTS):
                    created = http.post(
                        "/api/v1/products",
                        json={
                            "sku": f"m-{number}",
                            "name": "Kettle",
                            "price": {"amount": "30", "currency": "EUR"},
                        },
                    )
                    assert created.status_code == 201, created.text
                    ids.append(created.json()["id"])
                # A connection each, so the kernel spreads them over both workers (one client:
                # httpx.get would make a client, TLS context and all, per read).
                unkept = httpx.Limits(max_keepalive_connections=0)
                with httpx.Client(base_url=api, limits=unkept) as reader:
                    for read in range(READS):
                        answer = reader.get(f"/api/v1/products/{ids[read % PRODUCTS]}")
                        assert answer.status_code == 200

                until(
                    lambda: prometheus.value(f'sum({PRODUCT[:-1]},status="200"}})') == READS,
                    f"{READS} product reads counted",
                )
                assert prometheus.value("portico_sign_in_failures_total") == 1.0
                assert (
                    prometheus.value(
                        'sum(portico_http_request_duration_seconds_count{route="/api/v1/products"})'
                    )
                    == PRODUCTS
                )
                until(
                    lambda: (
                        (prometheus.value("portico_relay_published_total") or 0.0)
                        >= published + PRODUCTS
                    ),
                    "the relay's published events counted",
                )
                until(
                    lambda: (
                        (
                            prometheus.value('portico_consumer_applied_total{consumer="audit"}')
                            or 0.0
                        )
                        >= (applied or 0.0) + PRODUCTS
                    ),
                    "the audit consumer's applied events counted",
                )
                assert prometheus.value("portico_outbox_backlog") is not None
                assert prometheus.value("portico_outbox_oldest_age_seconds") is not None
                # The pools' gauges add up over both API workers (livesum), 4 connections each.
                pool = 'portico_db_pool_{}{{job="serve",database="database"{}}}'
                assert prometheus.value(pool.format("size", "")) == 2 * POOL
                idle = prometheus.value(pool.format("connections", ',state="idle"')) or 0.0
                assert 1 <= idle <= 2 * POOL
                assert prometheus.value(pool.format("connections", ',state="in_use"')) is not None
                of_worker = 'portico_{}{{job="worker",{}}}'
                assert (
                    prometheus.value(of_worker.format("db_pool_size", 'database="database"'))
                    == POOL
                )
                dead = of_worker.format("consumer_dead_lettered_total", 'consumer="audit"')
                assert prometheus.value(dead) == 0.0
                lag = of_worker.format("projection_lag", 'projection="order_details"')
                assert prometheus.value(lag) == 0.0  # no orders: nothing to project
        finally:
            worker.kill()
