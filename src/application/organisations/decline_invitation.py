"""DeclineInvitation: the invited user (same rule as accepting) says no; the token is spent."""

from __future__ import annotations

from dataclasses import dataclass

from application.organisations.acting import user_of
from application.organisations.invitation_tokens import invitation_for
from application.organisations.ports import OrganisationsUnitOfWorkFactory, VerifiedEmails
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclineInvitation:
    requester: Principal
    token: str


class DeclineInvitationHandler:
    def __init__(
        self, uow: OrganisationsUnitOfWorkFactory, emails: VerifiedEmails, clock: Clock
    ) -> None:
        self._uow = uow
        self._emails = emails
        self._clock = clock

    async def __call__(self, command: DeclineInvitation) -> None:
        user = user_of(command.requester)
        email = await self._emails.of(user)
        async with self._uow() as uow:
            invitation = await invitation_for(uow.invitations, command.token)
            invitation.decline(user_id=user, email=email, now=self._clock.now())
            await uow.invitations.update(invitation)
            await uow.commit()
