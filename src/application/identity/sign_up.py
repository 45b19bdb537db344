"""SignUp: the public sign-up. The same answer, after the same work, whether the address is
free or taken: a new account (and its verification mail), or a mail to the owner of the
address (SignUpRepeated, or the verification mail again), both after the answer, through the
outbox. The one who signed up learns only to look in the mailbox."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.register_user import RegisterUser, RegisterUserHandler
from application.shared.ports.clock import Clock
from domain.identity.email import normalize_email
from domain.identity.errors import EmailTaken


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUp:
    email: str
    password: str


class SignUpHandler:
    def __init__(
        self, register: RegisterUserHandler, uow: IdentityUnitOfWorkFactory, clock: Clock
    ) -> None:
        self._register = register
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: SignUp) -> None:
        try:  # the password is checked and hashed before the address: the same work either way
            await self._register(RegisterUser(email=command.email, password=command.password))
        except EmailTaken:
            async with self._uow() as uow:
                owner = await uow.users.get_by_email(normalize_email(command.email))
                if owner is not None and owner.active:
                    owner.sign_up_repeated(self._clock.now())
                await uow.commit()
