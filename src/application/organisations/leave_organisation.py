"""LeaveOrganisation: any member but the last owner."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import change_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal
from domain.organisations.organisation import Organisation


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveOrganisation:
    requester: Principal
    organisation_id: UUID


class LeaveOrganisationHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: LeaveOrganisation) -> None:
        actor = user_of(command.requester)
        change = partial(Organisation.leave, user_id=actor, now=self._clock.now())
        await change_organisation(self._uow, command.organisation_id, actor, change)
