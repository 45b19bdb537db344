"""On PostgreSQL the catalog's reads run on the driver's own calls, past SQLAlchemy's engine
events: with tracing on, each statement is still a span of the request's trace (the asyncpg
instrumentation's), named and described as the engine's would be."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import DatabaseSettings, Settings, TracingSettings
from entrypoints.tracing import stop_tracing
from tests.contract.conftest import sql_database
from tests.support.auth import bearer, create_user
from tests.support.otlp_receiver import OtlpReceiver, Span, otlp_receiver
from tests.support.workers import wait_until

pytestmark = pytest.mark.postgres
PRODUCT = {"sku": "TEA-1", "name": "Tea", "price": {"amount": "4.20", "currency": "EUR"}}


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as running:
        yield running
    stop_tracing()


async def test_each_read_statement_is_a_span_of_its_request(
    settings: Settings, tmp_path: Path, collector: OtlpReceiver
) -> None:
    schema = await sql_database("postgresql", tmp_path)  # the tables, emptied
    url = schema.engine.url.render_as_string(hide_password=False)
    await schema.dispose()
    container = build_container(
        msgspec.structs.replace(
            settings,
            persistence="sql",
            database=DatabaseSettings(url=url),
            tracing=TracingSettings(enabled=True, endpoint=collector.endpoint, service_name="shop"),
        )
    )
    staff = bearer(container, await create_user(container, "staff"), "staff")
    await container.platform.sql_database().dispose()  # made on this loop: the app has its own
    async with AsyncTestClient(create_app(container)) as client:
        created = await client.post("/api/v1/products", json=PRODUCT, headers=staff)
        assert created.status_code == 201, created.text
        product_id = created.json()["id"]
        read = await client.get(f"/api/v1/products/{product_id}")
        assert read.status_code == 200, read.text
        listed = await client.get("/api/v1/products?q=tea")
        assert [p["sku"] for p in listed.json()["items"]] == ["TEA-1"]

    def request(name: str) -> Span | None:
        return next((s for s in collector.received() if s.name == name), None)

    names = ("GET /api/v1/products/{product_id}", "GET /api/v1/products")
    wait_until(lambda: all(request(name) for name in names), 20, "the reads' spans")
    for name in names:
        span = request(name)
        assert span is not None
        statements = [
            s
            for s in collector.trace(span.trace_id)
            if "FROM products" in str(s.attributes.get("db.statement", ""))
        ]
        assert [s.name for s in statements] == ["SELECT"], name
        [statement] = statements
        assert statement.kind == "client"
        assert statement.attributes.get("db.system") == "postgresql"
        assert statement.attributes.get("db.name") == schema.engine.url.database
