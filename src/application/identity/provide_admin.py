"""ProvideAdmin: the operator's way to an administrator (`portico users create-admin`).

A new email gets a new administrator. An existing account is restored instead: reactivated, given
the admin role beside the roles it has, and the typed password; its sessions and tokens end (as
after a password change). The HTTP API refuses to remove the last administrator, so this is how
someone with the server's shell gets one back, whatever happened to the accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.access_revocations import AccessRevocations
from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.identity.sessions import end_sessions
from application.identity.views import UserView
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.identity.email import normalize_email
from domain.identity.password_policy import check_password
from domain.identity.roles import Role
from domain.identity.user import User


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvideAdmin:
    email: str
    password: str


@dataclass(frozen=True, slots=True)
class ProvidedAdmin:
    user: UserView
    created: bool
    # For a restored account, what had to change besides the password: "activated", "admin role".
    restored: tuple[str, ...] = ()


class ProvideAdminHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        ids: IdGenerator,
        revocations: AccessRevocations,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._ids = ids
        self._revocations = revocations

    async def __call__(self, command: ProvideAdmin) -> ProvidedAdmin:
        email = normalize_email(command.email)
        check_password(command.password, email=email)
        password_hash = await self._hasher.hash(command.password)
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                user = User.register(
                    id=self._ids.new_id(),
                    email=email,
                    password_hash=password_hash,
                    roles=frozenset({Role.ADMIN}),
                    now=now,
                    email_verified=True,  # the operator vouches for the address
                )
                await uow.users.add(user)
                await uow.commit()
                return ProvidedAdmin(UserView.of(user), created=True)
            restored = tuple(
                change
                for change, needed in (
                    ("activated", not user.active),
                    ("admin role", Role.ADMIN not in user.roles),
                )
                if needed
            )
            user.change_access(now=now, roles=user.roles | {Role.ADMIN}, active=True)
            user.change_password(password_hash=password_hash, now=now)
            await uow.users.update(user)
            ended = await end_sessions(uow, user.id, now)
            await uow.commit()
        self._revocations.record(user.id, user.access_version, now)
        self._revocations.record_sessions(ended, now)
        return ProvidedAdmin(UserView.of(user), created=False, restored=restored)
