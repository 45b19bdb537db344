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


# Scheduling under pytest-xdist (`--dist worksteal`): each worker is handed a contiguous share of
# the collection and runs it in order, and an idle worker takes the end of another's queue. So the
# modules that take tens of seconds (marked slow: a project's copy and its checks, a wheel; the
# end-to-end tests' real processes) go first, and the suite ends on short tests on both cores
# instead of one long test on one of them. Whole modules move, so module fixtures are made once.
def _long_first(item: pytest.Item) -> int:
    if item.get_closest_marker("slow") is not None:
        return 0
    return 1 if item.nodeid.startswith("tests/e2e/") else 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        rank[module] = min(rank.get(module, 2), _long_first(item))
    items.sort(key=lambda item: rank[item.nodeid.split("::", 1)[0]])  # stable: order kept within


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
