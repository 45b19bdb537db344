"""Fixtures shared by every kind of test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container, build_container
from entrypoints.settings import AuthSettings, LoggingSettings, PasswordSettings, Settings
from tests.support.clock import SteppingClock
from tests.support.schedule import spread_slow
from tests.support.shared_app import SharedApps


@pytest.hookimpl(trylast=True)  # after -k, -m and --deselect: the shares are of what runs
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `slow` tests first in each xdist worker's share (tests/support/schedule.py): a test of
    a minute started last keeps one core busy while the other idles. Every worker collects
    and orders the same way."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    items[:] = spread_slow(
        items,
        workers,
        slow=lambda item: item.get_closest_marker("slow") is not None,
        module=lambda item: item.nodeid.partition("::")[0],
    )


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


# Cheap argon2 parameters: tests check behaviour, not cost (bench/ measures the real one).
FAST_PASSWORDS = PasswordSettings(time_cost=1, memory_kib=64, parallelism=1)


@pytest.fixture(scope="session")
def dev_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development signing key of a worker's tests (made on first use)."""
    return tmp_path_factory.mktemp("keys") / "dev-signing-key.json"


@pytest.fixture
def settings(dev_key_file: Path) -> Settings:
    """The embedded defaults, with an in-memory store so each test starts empty."""
    return Settings(
        environment="test",
        persistence="memory",
        logging=LoggingSettings(format="json", level="WARNING"),
        auth=AuthSettings(dev_key_file=str(dev_key_file)),
        passwords=FAST_PASSWORDS,
    )


@pytest.fixture(scope="session")
def shared_apps() -> SharedApps:
    return SharedApps()


@pytest.fixture
def container(
    settings: Settings, shared_apps: SharedApps, request: pytest.FixtureRequest
) -> Container:
    """A container on `settings`; with the `app` fixture, the one of an app built earlier on the
    same settings, put back as built (tests/support/shared_app.py)."""
    if "app" in request.fixturenames:
        return shared_apps.container(settings)
    return build_container(settings)


@pytest.fixture
def app(container: Container, shared_apps: SharedApps) -> Litestar:
    return shared_apps.app(container)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as test_client:
        yield test_client
