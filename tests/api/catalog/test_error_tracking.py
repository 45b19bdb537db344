"""Errors to a tracker: with PORTICO_SENTRY_DSN set, an unexpected error reaches Sentry (a real
ingestion endpoint on loopback) with its type and request id, and no secret goes with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sentry_sdk
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.error_tracking import scrub
from entrypoints.http.app import create_app
from entrypoints.settings import LoggingSettings, Settings, SettingsError
from tests.api.catalog.test_errors import Broken
from tests.support.sentry_receiver import SentryReceiver, sentry_receiver
from tests.support.workers import wait_until


@pytest.fixture
def receiver() -> Iterator[SentryReceiver]:
    with sentry_receiver() as running:
        yield running
    # Later tests run without a tracker (a bare init() would patch Litestar globally).
    sentry_sdk.get_client().close()


async def test_an_unexpected_error_reaches_the_tracker_without_secrets(
    settings: Settings, receiver: SentryReceiver, tmp_path: Path
) -> None:
    tracked = Settings(
        **{
            **{f: getattr(settings, f) for f in settings.__struct_fields__},
            "logging": LoggingSettings(format="json", level="WARNING", sentry_dsn=receiver.dsn),
        }
    )
    container = build_container(tracked)
    with container.catalog.get_product.override(providers.Singleton(Broken)):
        app: Litestar = create_app(container)
        async with AsyncTestClient(app) as client:
            response = await client.get(
                "/api/v1/products/00000000-0000-0000-0000-000000000001",
                headers={"X-Request-ID": "trace-me-456", "Authorization": "Bearer tok-SECRET-1"},
            )
            await client.post(  # a client error is not reported
                "/api/v1/auth/login", json={"email": "x@example.com", "password": "pw-SECRET-2"}
            )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=30)  # patience: it returns once the queue is sent

    wait_until(lambda: len(receiver.events()) >= 1, what="the error at the tracker")
    [event] = receiver.events()
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == "trace-me-456"
    assert event["tags"]["log_event"] == "http.unhandled_error"
    assert event["environment"] == "test"
    sent = b"".join(receiver.raw)
    for secret in (b"tok-SECRET-1", b"pw-SECRET-2", b"Authorization"):
        assert secret not in sent
    # No locals in the frames: they could hold anything the code had in hand.
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert all("vars" not in frame for frame in frames)


def test_scrub_redacts_secret_keys_at_any_depth() -> None:
    payload = {
        "request": {"headers": {"Authorization": "Bearer x", "Accept": "json"}},
        "extra": [{"password": "p", "api_key": "k", "refresh_token": "r", "sku": "MUG"}],
    }
    assert scrub(payload) == {
        "request": {"headers": {"Authorization": "[redacted]", "Accept": "json"}},
        "extra": [
            {
                "password": "[redacted]",
                "api_key": "[redacted]",
                "refresh_token": "[redacted]",
                "sku": "MUG",
            }
        ],
    }


def test_a_dsn_that_is_not_a_url_is_refused() -> None:
    with pytest.raises(SettingsError, match="PORTICO_SENTRY_DSN"):
        Settings(logging=LoggingSettings(sentry_dsn="not-a-dsn"))
