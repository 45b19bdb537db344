"""RequestEmailVerification: "send me the link again". The same answer whether an account has
the address, is verified already, or not; the mail goes out through the outbox (SendAccountMail).
How often one address may ask is limited where the request arrives (entrypoints)."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWorkFactory
from application.shared.ports.clock import Clock
from domain.identity.email import normalize_email


@dataclass(frozen=True, slots=True)
class RequestEmailVerification:
    email: str


class RequestEmailVerificationHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RequestEmailVerification) -> None:
        email = normalize_email(command.email)
        async with self._uow() as uow:
            user = await uow.users.get_by_email(email)
            if user is not None and user.active:
                user.request_email_verification(self._clock.now())
            await uow.commit()
