"""ONE contract for OrganisationRepository + its unit of work, run unchanged on every adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.system.ids import Uuid7Generator
from application.organisations.ports import OrganisationUnitOfWorkFactory
from domain.organisations.organisation import Organisation
from domain.organisations.repository import OrganisationPosition
from domain.shared.errors import ConcurrentUpdate

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
ids = Uuid7Generator()


def new_organisation(at: datetime = T0, **changes: Any) -> Organisation:
    values: dict[str, Any] = {
        "name": "Sample",
    }
    return Organisation.create(id=ids.new_id(), now=at, **{**values, **changes})


def state(item: Organisation) -> tuple[Any, ...]:
    return (
        item.id,
        item.name,
        item.version,
        item.created_at,
        item.updated_at,
    )


async def save(uow_factory: OrganisationUnitOfWorkFactory, *items: Organisation) -> None:
    async with uow_factory() as uow:
        for item in items:
            await uow.organisations.add(item)
        await uow.commit()


async def load(
    uow_factory: OrganisationUnitOfWorkFactory, organisation_id: UUID
) -> Organisation | None:
    async with uow_factory(read_only=True) as uow:
        return await uow.organisations.get(organisation_id)


async def test_a_committed_organisation_reads_back_equal(
    uow_factory: OrganisationUnitOfWorkFactory,
) -> None:
    item = new_organisation()
    await save(uow_factory, item)

    loaded = await load(uow_factory, item.id)

    assert loaded is not None
    assert state(loaded) == state(item)


async def test_optional_fields_may_be_empty(uow_factory: OrganisationUnitOfWorkFactory) -> None:
    item = new_organisation(**{})
    await save(uow_factory, item)

    loaded = await load(uow_factory, item.id)

    assert loaded is not None
    assert state(loaded) == state(item)


async def test_nothing_is_stored_without_a_commit(
    uow_factory: OrganisationUnitOfWorkFactory,
) -> None:
    item = new_organisation()
    async with uow_factory() as uow:
        await uow.organisations.add(item)

    assert await load(uow_factory, item.id) is None


async def test_an_update_is_stored_and_a_stale_one_refused(
    uow_factory: OrganisationUnitOfWorkFactory,
) -> None:
    item = new_organisation()
    await save(uow_factory, item)
    async with uow_factory() as uow:
        first = await uow.organisations.get(item.id)
        assert first is not None
        first.change(now=T0 + timedelta(seconds=1), name="Changed")
        await uow.organisations.update(first)
        await uow.commit()

    item.change(now=T0 + timedelta(seconds=2), name="Changed")
    with pytest.raises(ConcurrentUpdate):
        async with uow_factory() as uow:
            await uow.organisations.update(item)
            await uow.commit()
    loaded = await load(uow_factory, item.id)
    assert loaded is not None
    assert (loaded.version, loaded.name) == (2, "Changed")


async def test_remove_deletes_it(uow_factory: OrganisationUnitOfWorkFactory) -> None:
    item = new_organisation()
    await save(uow_factory, item)
    async with uow_factory() as uow:
        loaded = await uow.organisations.get(item.id)
        assert loaded is not None
        await uow.organisations.remove(loaded)
        await uow.commit()

    assert await load(uow_factory, item.id) is None


async def test_pages_follow_creation_order(uow_factory: OrganisationUnitOfWorkFactory) -> None:
    items = [new_organisation(at=T0 + timedelta(seconds=i)) for i in range(5)]
    await save(uow_factory, *reversed(items))

    async with uow_factory(read_only=True) as uow:
        first = await uow.organisations.page(after=None, limit=3)
        last = first[-1]
        rest = await uow.organisations.page(
            after=OrganisationPosition(last.created_at, last.id), limit=3
        )

    assert [a.id for a in first + rest] == [a.id for a in items]


async def test_a_read_only_unit_of_work_refuses_writes(
    uow_factory: OrganisationUnitOfWorkFactory,
) -> None:
    async with uow_factory(read_only=True) as uow:
        with pytest.raises(RuntimeError):
            await uow.organisations.add(new_organisation())
