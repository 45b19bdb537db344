"""DeleteOrganisation: owners only; its members and invitations go with it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import load_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteOrganisation:
    requester: Principal
    organisation_id: UUID
    expected_version: int | None = None


class DeleteOrganisationHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: DeleteOrganisation) -> None:
        actor = user_of(command.requester)
        async with self._uow() as uow:
            organisation = await load_organisation(
                uow.organisations, command.organisation_id, actor, command.expected_version
            )
            organisation.delete(actor=actor, now=self._clock.now())
            await uow.organisations.remove(organisation)
            await uow.commit()
