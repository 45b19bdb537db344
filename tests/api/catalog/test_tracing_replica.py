"""With a read replica, tracing follows the reads there: the statements a product read runs on
the replica are spans of the request's trace, named after the replica's database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from adapters.persistence.sql.schema import metadata
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import DatabaseSettings, Settings, TracingSettings
from entrypoints.tracing import stop_tracing
from tests.support.auth import bearer, create_user
from tests.support.otlp_receiver import OtlpReceiver, Span, otlp_receiver
from tests.support.workers import wait_until

PRODUCT = {"sku": "TEA-1", "name": "Tea", "price": {"amount": "4.20", "currency": "EUR"}}


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as running:
        yield running
    stop_tracing()


def _settings(settings: Settings, primary: Path, replica: Path | str, endpoint: str) -> Settings:
    read_url = f"sqlite+aiosqlite:///{replica}" if replica else ""
    return msgspec.structs.replace(
        settings,
        persistence="sql",
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{primary}", read_url=read_url),
        tracing=TracingSettings(enabled=True, endpoint=endpoint, service_name="shop"),
    )


async def _schema(container: Container) -> None:
    async with container.platform.sql_database().engine.begin() as connection:
        await connection.run_sync(metadata.create_all)


async def test_a_read_on_the_replica_is_traced_inside_its_request(
    settings: Settings, tmp_path: Path, collector: OtlpReceiver
) -> None:
    primary, replica = tmp_path / "primary.db", tmp_path / "replica.db"
    # The replica holds a product the primary does not: a listing that finds it read there.
    writer = build_container(_settings(settings, replica, "", collector.endpoint))
    await _schema(writer)
    staff = bearer(writer, await create_user(writer, "staff"), "staff")
    async with AsyncTestClient(create_app(writer)) as client:
        created = await client.post("/api/v1/products", json=PRODUCT, headers=staff)
        assert created.status_code == 201, created.text
    stop_tracing()

    container = build_container(_settings(settings, primary, replica, collector.endpoint))
    await _schema(container)
    async with AsyncTestClient(create_app(container)) as client:
        listed = await client.get("/api/v1/products")
        assert listed.status_code == 200, listed.text
        assert [p["sku"] for p in listed.json()["items"]] == ["TEA-1"]

    def listing() -> list[Span]:
        return [s for s in collector.received() if s.name == "GET /api/v1/products"]

    wait_until(lambda: bool(listing()), 20, "the listing's span")
    [request] = listing()
    statements = [s for s in collector.trace(request.trace_id) if "db.statement" in s.attributes]
    assert statements, "no SQL span in the read's trace"
    assert {s.attributes.get("db.name") for s in statements} == {str(replica)}
