"""CreateOrganisation: a new organisation, its creator its first owner."""

from __future__ import annotations

from dataclasses import dataclass

from application.organisations.acting import user_of
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import OrganisationView
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.principal import Principal
from domain.organisations.organisation import Organisation


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateOrganisation:
    requester: Principal
    name: str


class CreateOrganisationHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: CreateOrganisation) -> OrganisationView:
        owner = user_of(command.requester)
        organisation = Organisation.create(
            id=self._ids.new_id(), name=command.name, owner_id=owner, now=self._clock.now()
        )
        async with self._uow() as uow:
            await uow.organisations.add(organisation)
            await uow.commit()
        return OrganisationView.of(organisation, owner)
