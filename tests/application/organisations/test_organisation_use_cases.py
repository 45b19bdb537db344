"""The organisation use cases on the memory adapter: results, errors, and events in the outbox."""

from __future__ import annotations

from uuid import uuid4

import pytest

from adapters.persistence.memory.outbox import MemoryOutbox
from application.organisations.create_organisation import (
    CreateOrganisationHandler,
)
from application.organisations.delete_organisation import (
    DeleteOrganisation,
    DeleteOrganisationHandler,
)
from application.organisations.get_organisation import GetOrganisation, GetOrganisationHandler
from application.organisations.list_organisations import ListOrganisations, ListOrganisationsHandler
from application.organisations.ports import OrganisationUnitOfWorkFactory
from application.organisations.update_organisation import (
    UpdateOrganisation,
    UpdateOrganisationHandler,
)
from domain.organisations.errors import OrganisationNotFound
from domain.shared.errors import StaleVersion
from tests.application.organisations.conftest import a_new_organisation, ids
from tests.support.clock import SteppingClock


async def test_create_then_get_returns_the_same_view(uow: OrganisationUnitOfWorkFactory) -> None:
    created = await CreateOrganisationHandler(uow, SteppingClock(), ids)(a_new_organisation())

    assert created.version == 1
    assert await GetOrganisationHandler(uow)(GetOrganisation(created.id)) == created


async def test_update_changes_the_field_and_a_stale_version_is_refused(
    uow: OrganisationUnitOfWorkFactory,
) -> None:
    clock = SteppingClock()
    created = await CreateOrganisationHandler(uow, clock, ids)(a_new_organisation())
    update = UpdateOrganisationHandler(uow, clock)

    changed = await update(
        UpdateOrganisation(organisation_id=created.id, expected_version=1, name="Changed")
    )

    assert (changed.version, changed.name) == (2, "Changed")
    with pytest.raises(StaleVersion):
        await update(
            UpdateOrganisation(organisation_id=created.id, expected_version=1, name="Changed")
        )


async def test_list_pages_in_creation_order(uow: OrganisationUnitOfWorkFactory) -> None:
    create = CreateOrganisationHandler(uow, SteppingClock(), ids)
    made = [(await create(a_new_organisation())).id for _ in range(3)]
    list_organisations = ListOrganisationsHandler(uow)

    first = await list_organisations(ListOrganisations(limit=2))
    second = await list_organisations(ListOrganisations(limit=2, cursor=first.next_cursor))

    assert [v.id for v in first.items] + [v.id for v in second.items] == made
    assert second.next_cursor is None


async def test_delete_then_get_is_not_found(uow: OrganisationUnitOfWorkFactory) -> None:
    clock = SteppingClock()
    created = await CreateOrganisationHandler(uow, clock, ids)(a_new_organisation())

    await DeleteOrganisationHandler(uow, clock)(DeleteOrganisation(organisation_id=created.id))

    with pytest.raises(OrganisationNotFound):
        await GetOrganisationHandler(uow)(GetOrganisation(created.id))
    with pytest.raises(OrganisationNotFound):
        await DeleteOrganisationHandler(uow, clock)(DeleteOrganisation(organisation_id=uuid4()))


async def test_every_change_goes_through_the_outbox(
    uow: OrganisationUnitOfWorkFactory, outbox: MemoryOutbox
) -> None:
    clock = SteppingClock()
    created = await CreateOrganisationHandler(uow, clock, ids)(a_new_organisation())
    await UpdateOrganisationHandler(uow, clock)(
        UpdateOrganisation(organisation_id=created.id, name="Changed")
    )
    await DeleteOrganisationHandler(uow, clock)(DeleteOrganisation(organisation_id=created.id))

    async with outbox.claim(10) as batch:
        assert [event.type for event in batch.events] == [
            "organisation.OrganisationCreated",
            "organisation.OrganisationChanged",
            "organisation.OrganisationDeleted",
        ]
        assert {event.payload["organisation_id"] for event in batch.events} == {str(created.id)}
