"""PORTICO_PERSISTENCE picks identity's unit of work (the contract suites test each one)."""

from __future__ import annotations

import pytest

from adapters.identity.memory import MemoryIdentityUnitOfWork
from adapters.identity.redis import RedisIdentityUnitOfWork  # [adapter:redis]
from adapters.identity.sql import SqlIdentityUnitOfWork
from entrypoints.identity.container import IdentityContainer
from entrypoints.platform.container import PlatformContainer
from entrypoints.settings import AuthSettings, Settings


@pytest.mark.parametrize(
    ("persistence", "kind"),
    [
        ("sql", SqlIdentityUnitOfWork),
        ("memory", MemoryIdentityUnitOfWork),
        ("redis", RedisIdentityUnitOfWork),  # [adapter:redis]
    ],
)
async def test_the_setting_picks_the_unit_of_work(persistence: str, kind: type) -> None:
    auth = AuthSettings(dev_key_file="/nonexistent/key.json")
    settings = Settings(persistence=persistence, auth=auth)  # type: ignore[arg-type]
    platform = PlatformContainer(settings=settings)

    assert isinstance(IdentityContainer(platform=platform).uow(), kind)

    for resource in platform.resources():  # the clients built, never connected
        if resource is not None and hasattr(resource, "close"):
            await resource.close()
