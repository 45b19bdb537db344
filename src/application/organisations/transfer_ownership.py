"""TransferOwnership: an owner makes another member an owner and becomes an admin."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import change_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import OrganisationView
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal
from domain.organisations.organisation import Organisation


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferOwnership:
    requester: Principal
    organisation_id: UUID
    to_user_id: UUID


class TransferOwnershipHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: TransferOwnership) -> OrganisationView:
        actor = user_of(command.requester)
        change = partial(
            Organisation.transfer_ownership,
            actor=actor,
            to=command.to_user_id,
            now=self._clock.now(),
        )
        organisation = await change_organisation(self._uow, command.organisation_id, actor, change)
        return OrganisationView.of(organisation, actor)
