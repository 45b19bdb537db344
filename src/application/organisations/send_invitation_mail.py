"""SendInvitationMail: the consumer that mails an invitation's link.

InviteMember only records MemberInvited in the outbox, in the same transaction as the
invitation; this consumer makes the token, commits its digest, and only then hands the mail to
the Mailer, so a link that arrives works. A mail server that is down makes the mailer raise:
the bus delivers the event again later (with backoff, then to the dead letters), and each try
makes a new token, so only the last mailed link works. The token never travels in the event,
the outbox or the bus: only in the mail.
"""

from __future__ import annotations

from uuid import UUID

from application.messaging.consumers import Consumer
from application.organisations.invitation_mail import invitation_mail
from application.organisations.invitation_tokens import new_token
from application.organisations.ports import OrganisationsUnitOfWorkFactory
from application.shared.ports.clock import Clock
from application.shared.ports.email import Mailer
from application.shared.ports.messaging import IntegrationEvent
from domain.organisations.invitation import INVITATION_LIFETIME

ACCEPT_PATH = "/organisation-invitation"


class SendInvitationMail(Consumer):
    name = "organisation-invitation-mail"
    contexts = ("organisations",)

    def __init__(
        self, uow: OrganisationsUnitOfWorkFactory, mailer: Mailer, clock: Clock, *, link_base: str
    ) -> None:
        self._uow = uow
        self._mailer = mailer
        self._clock = clock
        self._link_base = link_base.rstrip("/")

    async def __call__(self, event: IntegrationEvent) -> bool:
        if event.type != "organisations.MemberInvited":
            return False
        now = self._clock.now()
        async with self._uow() as uow:
            invitation = await uow.invitations.get(UUID(event.payload["invitation_id"]))
            organisation = await uow.organisations.get(event.aggregate_id)
            if invitation is None or organisation is None or not invitation.pending_at(now):
                return False  # answered, revoked, expired or deleted meanwhile
            plain, digest = new_token()
            invitation.issue(digest=digest, now=now)
            await uow.invitations.update(invitation)
            await uow.commit()
        link = f"{self._link_base}{ACCEPT_PATH}?token={plain}"
        mail = invitation_mail(
            event.id,
            invitation.email,
            link,
            organisation=organisation.name,
            role=invitation.role.value,
            valid_days=INVITATION_LIFETIME.days,
        )
        await self._mailer.send(mail)
        return True
