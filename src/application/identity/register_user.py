"""RegisterUser: open an account (customers sign up; admins are made with the CLI).

The new account's address is not verified yet: a verification mail is asked for in the same
transaction (an event in the outbox; SendAccountMail sends it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.identity.views import UserView
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.email import normalize_email
from domain.identity.password_policy import check_password
from domain.identity.roles import Role
from domain.identity.user import User


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterUser:
    email: str
    password: str
    roles: frozenset[Role] = field(default=frozenset({Role.CUSTOMER}))


class RegisterUserHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: RegisterUser) -> UserView:
        email = normalize_email(command.email)
        check_password(command.password, email=email)
        user = User.register(
            id=self._ids.new_id(),
            email=email,
            password_hash=await self._hasher.hash(command.password),
            roles=command.roles,
            now=self._clock.now(),
        )
        user.request_email_verification(user.created_at)  # mailed after the answer (outbox)
        async with self._uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return UserView.of(user)
