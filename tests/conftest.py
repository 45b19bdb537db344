"""Fixtures shared by every kind of test."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container, build_container
from entrypoints.settings import AuthSettings, LoggingSettings, PasswordSettings, Settings
from tests.support.clock import SteppingClock
from tests.support.schedule import spread_slow
from tests.support.shared_app import WORKER, SharedApps


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


@pytest.fixture(autouse=True)
def _no_logger_cached_for_later_tests() -> Iterator[None]:
    """Logging as it was, after a test that configured it for another environment than "test"
    in-process (the CLI's main(), a development app): such a configuration caches each logger
    on its first use, with its processors and output, for the rest of the worker, so a later
    test's capture_logs() missed that logger's lines (a scaffold refusal test, then the payment
    breaker's contract test, then its API test: the breaker's line was never captured)."""
    structlog_config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    if not structlog.get_config()["cache_logger_on_first_use"]:
        return
    # The modules' loggers (`_log = structlog.get_logger(...)`): a tenth of gc.get_objects()'s
    # CPU, and an app's own logger goes with the app, which only that test used.
    for module in list(sys.modules.values()):
        for value in list(getattr(module, "__dict__", {}).values()):
            if isinstance(value, structlog._config.BoundLoggerLazyProxy):
                vars(value).pop("bind", None)  # the cached logger: assembled anew on next use
    structlog.configure(**structlog_config)
    root.handlers[:] = handlers
    root.setLevel(level)


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
    return WORKER


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
