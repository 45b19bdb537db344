"""The organisation context's stores of each kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.organisations.memory import MemoryOrganisationStore, MemoryOrganisationUnitOfWork
from adapters.organisations.sql import SqlOrganisationUnitOfWork
from application.organisations.ports import OrganisationUnitOfWorkFactory
from domain.organisations.repository import OrganisationUnitOfWork
from tests.contract.conftest import STORES, sql_database


@pytest.fixture(params=STORES)
async def uow_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[OrganisationUnitOfWorkFactory]:
    store: str = request.param
    if store == "memory":
        memory = MemoryOrganisationStore()

        def memory_uow(*, read_only: bool = False) -> OrganisationUnitOfWork:
            return MemoryOrganisationUnitOfWork(memory, read_only=read_only)

        yield memory_uow
        return
    database = await sql_database(store, tmp_path)

    def sql_uow(*, read_only: bool = False) -> OrganisationUnitOfWork:
        return SqlOrganisationUnitOfWork(database, read_only=read_only)

    try:
        yield sql_uow
    finally:
        await database.dispose()
