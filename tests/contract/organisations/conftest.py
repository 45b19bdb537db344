"""The organisations context's stores of each kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.organisations.memory import MemoryOrganisationsStore, MemoryOrganisationsUnitOfWork
from adapters.organisations.sql import SqlOrganisationsUnitOfWork
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from domain.organisations.repository import OrganisationsUnitOfWork
from tests.contract.conftest import STORES, sql_database


@pytest.fixture(params=STORES)
async def uow_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[OrganisationsUnitOfWorkFactory]:
    store: str = request.param
    if store == "memory":
        memory = MemoryOrganisationsStore()

        def memory_uow(*, read_only: bool = False) -> OrganisationsUnitOfWork:
            return MemoryOrganisationsUnitOfWork(memory, read_only=read_only)

        yield memory_uow
        return
    database = await sql_database(store, tmp_path)

    def sql_uow(*, read_only: bool = False) -> OrganisationsUnitOfWork:
        return SqlOrganisationsUnitOfWork(database, read_only=read_only)

    try:
        yield sql_uow
    finally:
        await database.dispose()
