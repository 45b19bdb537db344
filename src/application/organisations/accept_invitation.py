"""AcceptInvitation: the signed-in user whose verified email is the invited one joins with the
invited role. The token proves the mail arrived; the verified address proves it is theirs."""

from __future__ import annotations

from dataclasses import dataclass

from application.organisations.acting import user_of
from application.organisations.invitation_tokens import invitation_for
from application.organisations.ports import OrganisationsUnitOfWorkFactory, VerifiedEmails
from application.organisations.views import OrganisationView
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal
from domain.organisations.errors import InvalidInvitationToken


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptInvitation:
    requester: Principal
    token: str


class AcceptInvitationHandler:
    def __init__(
        self, uow: OrganisationsUnitOfWorkFactory, emails: VerifiedEmails, clock: Clock
    ) -> None:
        self._uow = uow
        self._emails = emails
        self._clock = clock

    async def __call__(self, command: AcceptInvitation) -> OrganisationView:
        user = user_of(command.requester)
        email = await self._emails.of(user)
        now = self._clock.now()
        async with self._uow() as uow:
            invitation = await invitation_for(uow.invitations, command.token)
            invitation.accept(user_id=user, email=email, now=now)
            organisation = await uow.organisations.get(invitation.organisation_id)
            if organisation is None:  # deleted meanwhile (its invitations go with it)
                raise InvalidInvitationToken()
            organisation.add_member(user_id=user, role=invitation.role, now=now)
            await uow.invitations.update(invitation)
            await uow.organisations.update(organisation)
            await uow.commit()
        return OrganisationView.of(organisation, user)
