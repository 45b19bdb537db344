"""The cache at start-up and in /health/ready: with PORTICO_CACHE=redis, Redis unreachable is
"degraded" (200), never 503."""

from __future__ import annotations

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from entrypoints.cli.main import main
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import (
    CacheSettings,
    RedisSettings,  # [adapter:redis]
    Settings,
    SettingsError,
    load_settings,
)
from tests.support.auth import auth_headers
from tests.support.servers import free_port


# [adapter:redis begin]
async def test_an_unreachable_redis_makes_the_cache_degraded_not_the_service_down(
    settings: Settings,
) -> None:
    settings = msgspec.structs.replace(
        settings,
        logging=msgspec.structs.replace(settings.logging, level="ERROR"),
        cache=CacheSettings(backend="redis"),
        redis=RedisSettings(
            url=f"redis://127.0.0.1:{free_port()}/0", timeout_ms=50
        ),  # no one there
    )
    container = build_container(settings)
    app = create_app(container)
    async with AsyncTestClient(app) as client:
        ready = await client.get("/health/ready")
        created = await client.post(
            "/api/v1/products",
            json={"sku": "TEA-1", "name": "Tea", "price": {"amount": "1.00", "currency": "EUR"}},
            headers=await auth_headers(container, "staff"),
        )
        read = await client.get(f"/api/v1/products/{created.json()['id']}")

    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["cache"]["status"] == "degraded"
    assert (created.status_code, read.status_code) == (201, 200)


# [adapter:redis end]


@pytest.mark.parametrize("value", ["memcached", "REDIS", ""])
def test_an_unknown_cache_setting_names_the_variable_and_the_choices(value: str) -> None:
    with pytest.raises(SettingsError, match=r"PORTICO_CACHE=.*none, memory"):
        load_settings({"PORTICO_CACHE": value}, env_file=None)


def test_serving_several_workers_with_a_per_process_cache_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTICO_CACHE", "memory")
    monkeypatch.setenv("PORTICO_PERSISTENCE", "memory")

    assert main(["serve", "--workers", "2"]) == 2
    assert "PORTICO_CACHE=memory" in capsys.readouterr().err


# [adapter:redis begin]
def test_serving_with_a_redis_url_that_is_not_one_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTICO_CACHE", "redis")
    monkeypatch.setenv("PORTICO_REDIS_URL", "http://127.0.0.1:6379")
    monkeypatch.setenv("PORTICO_PERSISTENCE", "memory")

    assert main(["serve"]) == 2
    assert "PORTICO_REDIS_URL is not a Redis URL" in capsys.readouterr().err


# [adapter:redis end]
