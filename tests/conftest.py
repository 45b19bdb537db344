"""Fixtures shared by every kind of test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import AuthSettings, LoggingSettings, PasswordSettings, Settings
from tests.support.clock import SteppingClock


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


# Cheap argon2 parameters: tests check behaviour, not cost (bench/ measures the real one).
FAST_PASSWORDS = PasswordSettings(time_cost=1, memory_kib=64, parallelism=1)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The embedded defaults, with an in-memory store so each test starts empty."""
    return Settings(
        environment="test",
        persistence="memory",
        logging=LoggingSettings(format="json", level="WARNING"),
        auth=AuthSettings(dev_key_file=str(tmp_path / "dev-signing-key.json")),
        passwords=FAST_PASSWORDS,
    )


@pytest.fixture
def container(settings: Settings) -> Container:
    return build_container(settings)


@pytest.fixture
def app(container: Container) -> Litestar:
    return create_app(container)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as test_client:
        yield test_client
