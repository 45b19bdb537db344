"""RequestPasswordReset: "I forgot my password". The same answer, after the same work, whether
an account has the address or not: one lookup and one outbox row in one transaction; the mail
(when there is an account) goes out after the answer, through the outbox (SendAccountMail)."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWorkFactory
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.email import normalize_email
from domain.identity.reset_request import reset_requested_for_nobody


@dataclass(frozen=True, slots=True)
class RequestPasswordReset:
    email: str


class RequestPasswordResetHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: RequestPasswordReset) -> None:
        email = normalize_email(command.email)
        fresh_id = self._ids.new_id()  # drawn either way
        async with self._uow() as uow:
            user = await uow.users.get_by_email(email)
            now = self._clock.now()
            if user is not None and user.active:
                user.request_password_reset(now)
            else:
                uow.saw(reset_requested_for_nobody(fresh_id, now))
            await uow.commit()
