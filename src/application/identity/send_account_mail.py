"""SendAccountMail: the consumer that mails a verification link or a password reset link.

The request (sign-up, "resend", "forgot my password") only records an event in the outbox, in
the same transaction as the rest, and answers; this consumer then makes the token, commits its
digest, and only then hands the mail to the Mailer, so a link that arrives always works. A mail
server that is down makes the mailer raise: the bus delivers the event again later, with
backoff, then to the dead letters after its last try, and each try makes a new token (the ones
never mailed are known to nobody and expire). The token never travels in the event, the outbox
or the bus: only in the mail.

At least once: if the mail left but the acknowledgement was lost, the event comes again and a
second mail follows; either link works, and using one spends the other.
"""

from __future__ import annotations

from datetime import timedelta

from application.identity.account_mail import (
    account_exists_mail,
    email_changed_mail,
    password_reset_mail,
    verification_mail,
)
from application.identity.account_tokens import issue_account_token
from application.identity.ports import IdentityUnitOfWorkFactory
from application.messaging.consumers import Consumer
from application.shared.ports.clock import Clock
from application.shared.ports.email import Mailer
from application.shared.ports.ids import IdGenerator
from application.shared.ports.messaging import IntegrationEvent
from domain.identity.account_token import TokenPurpose

VERIFY_PATH = "/verify-email"
RESET_PATH = "/reset-password"
_PURPOSES = {
    "identity.EmailVerificationRequested": TokenPurpose.VERIFY_EMAIL,
    "identity.PasswordResetRequested": TokenPurpose.RESET_PASSWORD,
}


class SendAccountMail(Consumer):
    name = "account-mail"
    contexts = ("identity",)

    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        mailer: Mailer,
        clock: Clock,
        ids: IdGenerator,
        *,
        link_base: str,
        verification_ttl: int,
        reset_ttl: int,
    ) -> None:
        self._uow = uow
        self._mailer = mailer
        self._clock = clock
        self._ids = ids
        self._link_base = link_base.rstrip("/")
        self._lifetimes = {
            TokenPurpose.VERIFY_EMAIL: timedelta(seconds=verification_ttl),
            TokenPurpose.RESET_PASSWORD: timedelta(seconds=reset_ttl),
        }

    async def __call__(self, event: IntegrationEvent) -> bool:
        if event.type == "identity.SignUpRepeated":
            return await self._account_exists(event)
        if event.type == "identity.EmailChanged":
            return await self._email_changed(event)
        purpose = _PURPOSES.get(event.type)
        if purpose is None or event.payload.get("known") is False:
            return False  # not a mail, or a reset asked for an address no account has
        async with self._uow() as uow:
            user = await uow.users.get(event.aggregate_id)
            if user is None or not user.active:
                return False
            if purpose is TokenPurpose.VERIFY_EMAIL and user.email_verified:
                return False  # verified meanwhile (a reset link proves the address too)
            lifetime = self._lifetimes[purpose]
            plain = await issue_account_token(
                uow.account_tokens,
                self._ids,
                user_id=user.id,
                purpose=purpose,
                now=self._clock.now(),
                lifetime=lifetime,
            )
            seconds = int(lifetime.total_seconds())
            if purpose is TokenPurpose.VERIFY_EMAIL:
                link = f"{self._link_base}{VERIFY_PATH}?token={plain}"
                hours = max(1, seconds // 3600)
                mail = verification_mail(event.id, user.email, link, valid_hours=hours)
            else:
                link = f"{self._link_base}{RESET_PATH}?token={plain}"
                minutes = max(1, seconds // 60)
                mail = password_reset_mail(event.id, user.email, link, valid_minutes=minutes)
            await uow.commit()
        await self._mailer.send(mail)
        return True

    async def _email_changed(self, event: IntegrationEvent) -> bool:
        """Tell the previous address (the new one gets its verification link, its own event)."""
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(event.aggregate_id)
        if user is None or user.erased:
            return False
        link = f"{self._link_base}{RESET_PATH}"
        previous = str(event.payload["previous_email"])
        await self._mailer.send(email_changed_mail(event.id, previous, user.email, link))
        return True

    async def _account_exists(self, event: IntegrationEvent) -> bool:
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(event.aggregate_id)
        if user is None or not user.active:
            return False
        link = f"{self._link_base}{RESET_PATH}"  # no token: the page asks for the address
        await self._mailer.send(account_exists_mail(event.id, user.email, link))
        return True
