"""RenameOrganisation: owners and admins, guarded by the version the caller last saw."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import load_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import OrganisationView
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class RenameOrganisation:
    requester: Principal
    organisation_id: UUID
    name: str
    expected_version: int | None = None


class RenameOrganisationHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RenameOrganisation) -> OrganisationView:
        actor = user_of(command.requester)
        async with self._uow() as uow:
            organisation = await load_organisation(
                uow.organisations, command.organisation_id, actor, command.expected_version
            )
            organisation.rename(actor=actor, name=command.name, now=self._clock.now())
            await uow.organisations.update(organisation)
            await uow.commit()
        return OrganisationView.of(organisation, actor)
