"""What ordering adds to the platform's health and messaging routes."""

from __future__ import annotations

import msgspec
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import BusSettings, DatabaseSettings, LoggingSettings, Settings
from tests.support.auth import auth_headers
from tests.support.nats import bus_at_an_empty_port  # [adapter:nats]


async def test_readiness_reports_projections_it_cannot_read_as_degraded(tmp_path: object) -> None:
    settings = Settings(
        environment="test",  # loggers stay configurable for the tests that follow
        persistence="sql",
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/ready.db"),
        logging=LoggingSettings(level="ERROR"),
    )
    async with AsyncTestClient(create_app(build_container(settings))) as client:
        response = await client.get("/health/ready")
    # Not migrated: the database answers; the projections' lag cannot be read.
    assert response.status_code == 200
    assert response.json()["checks"]["projections"]["status"] == "degraded"


# [adapter:nats begin]
async def test_the_notifications_consumer_shows_its_lag_per_context(settings: Settings) -> None:
    settings = msgspec.structs.replace(
        settings,
        background="worker",
        logging=msgspec.structs.replace(settings.logging, level="ERROR"),
        bus=BusSettings(backend="nats"),
    )
    container = build_container(settings)
    bus_at_an_empty_port(container)  # no one there
    async with AsyncTestClient(create_app(container)) as client:
        admin = await auth_headers(container, "admin")
        stats = await client.get("/api/v1/messaging/stats", headers=admin)
    assert stats.status_code == 200
    # The bus cannot say how far behind it is: unknown, per context the consumer reads.
    assert stats.json()["consumers"]["notifications"] == {"lag": {"ordering": None}}


# [adapter:nats end]
