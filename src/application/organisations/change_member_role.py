"""ChangeMemberRole: owners and admins; only an owner makes or unmakes an owner, and the last
owner stays one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import change_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import MemberView
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal
from domain.organisations.organisation import Organisation, parse_role


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeMemberRole:
    requester: Principal
    organisation_id: UUID
    user_id: UUID
    role: str


class ChangeMemberRoleHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: ChangeMemberRole) -> MemberView:
        actor, role = user_of(command.requester), parse_role(command.role)
        change = partial(
            Organisation.change_role,
            actor=actor,
            user_id=command.user_id,
            role=role,
            now=self._clock.now(),
        )
        organisation = await change_organisation(self._uow, command.organisation_id, actor, change)
        return MemberView.of(organisation.members[command.user_id])
