"""Shared steps of the organisation commands: load one as a member (or fail with a 404), and
change one under one rule."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from application.organisations.ports import OrganisationsUnitOfWorkFactory
from domain.organisations.errors import OrganisationNotFound
from domain.organisations.organisation import Organisation
from domain.organisations.repository import OrganisationRepository
from domain.shared.errors import StaleVersion


async def load_organisation(
    organisations: OrganisationRepository,
    organisation_id: UUID,
    member: UUID,
    expected_version: int | None = None,
) -> Organisation:
    """The organisation, if `member` belongs to it: anybody else learns nothing (404)."""
    organisation = await organisations.get(organisation_id)
    if organisation is None:
        raise OrganisationNotFound(organisation_id)
    organisation.role_of(member)
    if expected_version is not None and expected_version != organisation.version:
        raise StaleVersion(expected_version, organisation.version)
    return organisation


async def change_organisation(
    uow_factory: OrganisationsUnitOfWorkFactory,
    organisation_id: UUID,
    actor: UUID,
    change: Callable[[Organisation], None],
) -> Organisation:
    """Load as a member, apply `change` (the aggregate's rule), store, commit."""
    async with uow_factory() as uow:
        organisation = await load_organisation(uow.organisations, organisation_id, actor)
        change(organisation)
        await uow.organisations.update(organisation)
        await uow.commit()
    return organisation
