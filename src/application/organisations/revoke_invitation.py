"""RevokeInvitation: owners and admins withdraw a pending invitation; its token stops working."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import load_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal
from domain.organisations.errors import InvitationNotFound
from domain.organisations.invitation import InvitationStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeInvitation:
    requester: Principal
    organisation_id: UUID
    invitation_id: UUID


class RevokeInvitationHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RevokeInvitation) -> None:
        actor = user_of(command.requester)
        async with self._uow() as uow:
            organisation = await load_organisation(
                uow.organisations, command.organisation_id, actor
            )
            organisation.require_manager(actor)
            invitation = await uow.invitations.get(command.invitation_id)
            if (
                invitation is None
                or invitation.organisation_id != organisation.id
                or invitation.status is not InvitationStatus.PENDING
            ):
                raise InvitationNotFound(command.invitation_id)
            invitation.revoke(by=actor, now=self._clock.now())
            await uow.invitations.update(invitation)
            await uow.commit()
