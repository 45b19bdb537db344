"""GetOrganisation: one organisation, for its members (and platform admins); 404 for others."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import OrganisationView
from domain.identity.principal import Principal
from domain.identity.roles import Permission
from domain.organisations.errors import OrganisationNotFound


@dataclass(frozen=True, slots=True)
class GetOrganisation:
    requester: Principal
    organisation_id: UUID


class GetOrganisationHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: GetOrganisation) -> OrganisationView:
        viewer = query.requester.user_id
        async with self._uow(read_only=True) as uow:
            organisation = await uow.organisations.get(query.organisation_id)
        if organisation is None or not (
            viewer in organisation.members or query.requester.can(Permission.ORGANISATIONS_MANAGE)
        ):
            raise OrganisationNotFound(query.organisation_id)
        return OrganisationView.of(organisation, viewer)
