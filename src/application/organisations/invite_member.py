"""InviteMember: owners and admins invite an email address with a role.

The request records the invitation (and MemberInvited in the outbox) and answers; the mail with
its token follows through the consumer (send_invitation_mail.py), so a mail server that is down
loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.organisations.acting import user_of
from application.organisations.loading import load_organisation
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.organisations.views import InvitationView
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.principal import Principal
from domain.organisations.invitation import Invitation
from domain.organisations.organisation import parse_role


@dataclass(frozen=True, slots=True, kw_only=True)
class InviteMember:
    requester: Principal
    organisation_id: UUID
    email: str
    role: str


class InviteMemberHandler:
    def __init__(self, uow: OrganisationsUnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: InviteMember) -> InvitationView:
        actor, role = user_of(command.requester), parse_role(command.role)
        async with self._uow() as uow:
            organisation = await load_organisation(
                uow.organisations, command.organisation_id, actor
            )
            organisation.check_invitation(actor=actor, role=role)
            invitation = Invitation.create(
                id=self._ids.new_id(),
                organisation_id=organisation.id,
                email=command.email,
                role=role,
                invited_by=actor,
                now=self._clock.now(),
            )
            await uow.invitations.add(invitation)
            await uow.commit()
        return InvitationView.of(invitation)
