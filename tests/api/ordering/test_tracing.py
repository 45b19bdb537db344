"""OpenTelemetry traces (PORTICO_OTEL_*): with tracing on, one trace holds a placed order's
request, its SQL, the publish of its event and the consumer that handled it (through the memory
bus and through NATS), exported over OTLP/HTTP to a real receiver on loopback; log lines carry
the trace's ids. Off, nothing is sent and no line carries them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from adapters.persistence.sql.schema import metadata
from adapters.system.ids import Uuid7Generator
from application.messaging.consumers import BatchConsumer, ConsumerRunner
from application.shared.ports.messaging import IntegrationEvent
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import (
    BusSettings,
    DatabaseSettings,
    LoggingSettings,
    NotifierSettings,
    Settings,
    TracingSettings,
    load_settings,
)
from entrypoints.tracing import stop_tracing
from tests.support.auth import bearer, create_user
from tests.support.nats import delete_namespace, require_nats, unique_namespace
from tests.support.otlp_receiver import OtlpReceiver, Span, otlp_receiver
from tests.support.webhook_receiver import SECRET, WebhookReceiver, webhook_receiver
from tests.support.workers import wait_until

ORDERS = "/api/v1/orders"


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as running:
        yield running
    stop_tracing()  # whatever a failed test left installed


@pytest.fixture(params=["memory", "nats"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[BusSettings]:
    if request.param == "memory":
        yield BusSettings()
        return
    url, namespace = require_nats(), unique_namespace()
    yield BusSettings(backend="nats", nats_url=url, nats_namespace=namespace)
    await delete_namespace(url, namespace)


@pytest.fixture
def webhooks() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


def _traced(
    settings: Settings,
    tmp_path: Path,
    webhooks: WebhookReceiver,
    bus: BusSettings | None = None,
    **tracing: Any,
) -> Settings:
    return msgspec.structs.replace(
        settings,
        # NATS: the API still relays and consumes (PORTICO_BACKGROUND=serve), through the server.
        background="serve",
        bus=bus or BusSettings(),
        persistence="sql",
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/traced.db"),
        logging=LoggingSettings(format="json", level="INFO"),
        tracing=TracingSettings(**tracing),
        # The notifications consumer posts a webhook: an httpx span inside the consumer's.
        notifier=NotifierSettings(
            backend="webhook", webhook_url=webhooks.url, webhook_secret=SECRET
        ),
    )


async def _place_an_order(settings: Settings) -> None:
    """Place an order through the API (in-process bus: the app relays and consumes it)."""
    container = build_container(settings)
    database = container.platform.sql_database()
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    staff = bearer(container, await create_user(container, "staff"), "staff")
    alice = bearer(container, await create_user(container, "customer"), "customer")
    async with AsyncTestClient(create_app(container)) as client:
        product = await client.post(
            "/api/v1/products",
            json={
                "sku": "TEA-1",
                "name": "Tea",
                "price": {"amount": "4.20", "currency": "EUR"},
                "stock": 5,
            },
            headers=staff,
        )
        assert product.status_code == 201, product.text
        body = {"lines": [{"product_id": product.json()["id"], "quantity": 1}]}
        placed = await client.post(ORDERS, json=body, headers=alice)
        assert placed.status_code == 201, placed.text
        card = {"payment_token": "tok_approve"}
        path = f"{ORDERS}/{placed.json()['order_id']}/payment"
        paid = await client.post(path, json=card, headers=alice)
        assert paid.status_code == 200, paid.text
        # Read through the projection once it has the payment: the projector has run a batch.
        order = f"{ORDERS}/{placed.json()['order_id']}"
        version = {"min_version": paid.json()["version"]}
        assert (await client.get(order, params=version, headers=alice)).status_code == 200
        # Shutdown stops the relay and consumers after the events in hand, then flushes spans.
        runtime = client.app.state["messaging"]
        wait_until(lambda: runtime.runner.stats["notifications"].applied >= 1, 20, "the consumer")


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def batch_size(span: Span) -> int:
    return int(span.attributes.get("messaging.batch.message_count", 0))


def _one(spans: list[Span], name: str) -> Span:
    found = [span for span in spans if span.name == name]
    assert len(found) == 1, (name, sorted(span.name for span in spans))
    return found[0]


async def test_one_trace_holds_the_request_its_sql_the_publish_and_the_consumer(
    settings: Settings,
    tmp_path: Path,
    collector: OtlpReceiver,
    webhooks: WebhookReceiver,
    bus: BusSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    traced = _traced(
        settings,
        tmp_path,
        webhooks,
        bus,
        enabled=True,
        endpoint=collector.endpoint,
        service_name="shop",
    )
    await _place_an_order(traced)

    # Traces start at requests, relayed batches and a consumer's batch of several deliveries
    # (no one event is its cause, as OpenTelemetry's messaging conventions have it: it links to
    # each), never at a lone SQL statement (the test's own CREATE TABLEs, the relay's and the
    # housekeeping's polls).
    roots = [s for s in collector.received() if not s.parent_id]
    assert all(
        s.kind in {"server", "internal"}
        or (s.kind == "consumer" and len(s.links) == batch_size(s) > 1)
        for s in roots
    ), {(s.kind, s.name, batch_size(s), len(s.links)) for s in roots}
    [request] = [s for s in collector.received() if s.name == "POST /api/v1/orders"]
    trace_id = request.trace_id
    wait_until(lambda: any(s.name == "POST" for s in collector.trace(trace_id)), 20, "the trace")
    spans = collector.trace(trace_id)
    by_id = {span.span_id: span for span in spans}

    assert (request.kind, request.parent_id, request.service) == ("server", "", "shop")
    assert request.attributes["http.route"] == "/api/v1/orders"
    # The order's SQL, the outbox row among it, inside the request.
    sql = [s for s in spans if s.parent_id == request.span_id and "db.statement" in s.attributes]
    statements = " ".join(str(span.attributes.get("db.statement")) for span in sql)
    assert "INSERT INTO outbox" in statements
    # The relay publishes the committed event in the request's trace; the consumer follows.
    publish = _one(spans, "ordering.OrderPlaced publish")
    assert (publish.kind, by_id[publish.parent_id]) == ("producer", request)
    consumed = [s for s in spans if s.name == "ordering.OrderPlaced process"]
    assert {s.kind for s in consumed} == {"consumer"}
    assert all(by_id[s.parent_id] is publish for s in consumed)
    notify = next(
        s for s in consumed if s.attributes["messaging.consumer.group.name"] == "notifications"
    )
    # What the consumer did (posting the webhook over httpx) is inside its span.
    [webhook] = [s for s in spans if s.kind == "client" and s.name == "POST"]
    assert by_id[webhook.parent_id] is notify
    assert webhooks.received
    # Paying is a span of its own inside the payment's request (the fake gateway here).
    [paid] = [s for s in collector.received() if s.name == "payment authorize"]
    [paying] = [s for s in collector.trace(paid.trace_id) if s.span_id == paid.parent_id]
    assert (paying.kind, paying.attributes["http.route"]) == ("server", paying.name[5:])
    assert paying.name.startswith("POST /api/v1/orders/{")
    assert paying.name.endswith("}/payment")
    # The projector's batches are traces of their own, their SQL inside.
    steps = {s.span_id for s in collector.received() if s.name == "projection step"}
    assert any(
        s.parent_id in steps and "db.statement" in s.attributes for s in collector.received()
    )
    # Lines logged inside the trace carry its ids: httpx's line on the webhook's answer (logged
    # once its own span is over) names the consumer's span.
    logged = [line for line in _lines(capsys.readouterr().out) if line.get("trace_id") == trace_id]
    assert {line["span_id"] for line in logged} <= set(by_id)
    [posted] = [line for line in logged if "/hooks/" in line["event"]]
    assert posted["span_id"] == notify.span_id


async def test_with_tracing_off_nothing_is_exported_and_lines_carry_no_trace_ids(
    settings: Settings,
    tmp_path: Path,
    collector: OtlpReceiver,
    webhooks: WebhookReceiver,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Even with the standard variables pointing at the receiver: PORTICO_OTEL_ENABLED decides.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.endpoint)
    await _place_an_order(_traced(settings, tmp_path, webhooks))

    lines = _lines(capsys.readouterr().out)
    assert any("/hooks/" in line["event"] for line in lines)  # logged in the consumer
    assert not [line for line in lines if "trace_id" in line or "span_id" in line]
    assert webhooks.received
    assert collector.requests == 0


class _Together(BatchConsumer):
    """Takes a batch at once (or one event at a time) and counts what it took."""

    name = "together"
    contexts = ("shop",)

    def __init__(self) -> None:
        self.taken: list[int] = []

    async def __call__(self, event: IntegrationEvent) -> bool:
        self.taken.append(1)
        return True

    async def apply_all(self, events: Sequence[IntegrationEvent]) -> None:
        self.taken.append(len(events))


async def test_a_consumers_batch_is_a_trace_of_its_own_linked_to_each_events_publish(
    settings: Settings, collector: OtlpReceiver, bus: BusSettings
) -> None:
    tracing = TracingSettings(enabled=True, endpoint=collector.endpoint, service_name="shop")
    container = build_container(msgspec.structs.replace(settings, bus=bus, tracing=tracing))
    message_bus = container.platform.bus()
    await message_bus.start()
    ids = Uuid7Generator()
    for n in range(3):  # all waiting before the consumer starts: one fetch brings them all
        occurred_at = datetime(2026, 12, 6, 12, 0, n, tzinfo=UTC)
        await message_bus.publish(
            IntegrationEvent(
                id=ids.new_id(),
                type="shop.ThingHappened",
                version=1,
                occurred_at=occurred_at,
                aggregate_id=ids.new_id(),
            )
        )
    consumer = _Together()
    runner = ConsumerRunner(message_bus, [consumer], tracing=container.platform.tracing())
    await runner.start()
    async with asyncio.timeout(20):
        while sum(consumer.taken) < 3:
            await asyncio.sleep(0.02)
    await runner.stop()
    await message_bus.close()
    stop_tracing()  # exports what is left

    assert consumer.taken == [3]
    published = [s for s in collector.received() if s.name == "shop.ThingHappened publish"]
    [batch] = [s for s in collector.received() if s.name == "together process"]
    assert (batch.kind, batch.parent_id) == ("consumer", "")
    assert batch.attributes["messaging.batch.message_count"] == 3
    # One link to each event's creation context: the span that published it.
    assert sorted(batch.links) == sorted((s.trace_id, s.span_id) for s in published)
    assert len(published) == 3
    assert batch.trace_id not in {s.trace_id for s in published}


def test_tracing_settings_are_off_by_default_and_leave_unset_fields_to_otel_variables() -> None:
    assert load_settings({}, env_file=None).tracing == TracingSettings(
        enabled=False, endpoint="", service_name="", sample_ratio=None
    )
    loaded = load_settings(
        {"PORTICO_OTEL_ENABLED": "true", "PORTICO_OTEL_SAMPLE_RATIO": "0.25"}, env_file=None
    )
    assert (loaded.tracing.enabled, loaded.tracing.sample_ratio) == (True, 0.25)
