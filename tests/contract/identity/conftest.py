"""Identity's stores of each kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.identity.memory import MemoryIdentityStore, MemoryIdentityUnitOfWork
from adapters.identity.redis import RedisIdentityUnitOfWork  # [adapter:redis]
from adapters.identity.sql import SqlIdentityUnitOfWork
from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.repository import IdentityUnitOfWork
from tests.contract.conftest import (
    DOCUMENT_STORES,
    redis_documents,  # [adapter:redis]
    sql_database,
)


@pytest.fixture(params=DOCUMENT_STORES)
async def identity_uow_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[IdentityUnitOfWorkFactory]:
    store: str = request.param
    if store == "memory":
        memory = MemoryIdentityStore()

        def memory_uow(*, read_only: bool = False) -> IdentityUnitOfWork:
            return MemoryIdentityUnitOfWork(memory, read_only=read_only)

        yield memory_uow
        return
    # [adapter:redis begin]
    if store == "redis":
        async with redis_documents() as documents:

            def redis_uow(*, read_only: bool = False) -> IdentityUnitOfWork:
                return RedisIdentityUnitOfWork(documents, read_only=read_only)

            yield redis_uow
        return
    # [adapter:redis end]
    database = await sql_database(store, tmp_path)

    def sql_uow(*, read_only: bool = False) -> IdentityUnitOfWork:
        return SqlIdentityUnitOfWork(database, read_only=read_only)

    try:
        yield sql_uow
    finally:
        await database.dispose()
