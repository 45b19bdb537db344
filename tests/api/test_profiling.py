"""PORTICO_PROFILING: in development, `?profile` answers the request's pyinstrument report;
without the flag, and without the switch, requests are served as always."""

from __future__ import annotations

from typing import Literal

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import HttpSettings, Settings, SettingsError


def _with(settings: Settings, **changes: object) -> Settings:
    return msgspec.structs.replace(settings, **changes)


async def test_a_flagged_request_answers_its_profile(settings: Settings) -> None:
    profiling = _with(settings, environment="development", http=HttpSettings(profiling=True))
    async with AsyncTestClient(create_app(build_container(profiling))) as client:
        profiled = await client.get("/health/live", params={"profile": ""})
        plain = await client.get("/health/live")

    assert profiled.status_code == 200
    assert profiled.headers["content-type"].startswith("text/html")
    assert profiled.headers["x-profiled-status"] == "200"
    assert "pyinstrument" in profiled.text
    assert plain.json() == {"status": "up"}


async def test_without_the_switch_the_flag_is_ignored(settings: Settings) -> None:
    async with AsyncTestClient(create_app(build_container(settings))) as client:
        response = await client.get("/health/live", params={"profile": ""})
    assert response.json() == {"status": "up"}


@pytest.mark.parametrize("environment", ["production", "test"])
def test_the_switch_is_refused_outside_development(
    environment: Literal["production", "test"],
) -> None:
    with pytest.raises(SettingsError, match="PORTICO_PROFILING=true is for development only"):
        Settings(environment=environment, http=HttpSettings(profiling=True))
