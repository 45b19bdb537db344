"""RemoveMember: owners and admins; only an owner removes an owner, never the last one."""

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
class RemoveMember:
    requester: Principal
    organisation_id: UUID
    user_id: UUID


class RemoveMemberHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RemoveMember) -> None:
        actor = user_of(command.requester)
        change = partial(
            Organisation.remove_member, actor=actor, user_id=command.user_id, now=self._clock.now()
        )
        await change_organisation(self._uow, command.organisation_id, actor, change)
