"""A finished organisations unit of work is freed by reference counting, not left to the
garbage collector (its staged organisations and invitations hold it; see
tests/contract/catalog/test_unit_of_work_freed.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.system.ids import Uuid7Generator
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from domain.organisations.organisation import Organisation
from domain.organisations.repository import OrganisationsUnitOfWork
from tests.support.freed import freed_at_once


async def test_a_committed_unit_of_work_is_freed_at_once(
    uow_factory: OrganisationsUnitOfWorkFactory,
) -> None:
    ids = Uuid7Generator()

    async def create(uow: OrganisationsUnitOfWork) -> None:
        async with uow:
            await uow.organisations.add(
                Organisation.create(
                    id=ids.new_id(),
                    name="Tea",
                    owner_id=ids.new_id(),
                    now=datetime(2026, 12, 6, tzinfo=UTC),
                )
            )
            await uow.commit()

    assert await freed_at_once(uow_factory, create)
