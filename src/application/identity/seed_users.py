"""SeedUsers: many demo accounts sharing one password, a unit of work per batch.

The rules are RegisterUser's (normalized email, password policy, unique email); only the slow
hash is made once for all of them, which is what makes a thousand accounts take seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from application.shared.seeding import batches
from domain.identity.email import normalize_email
from domain.identity.password_policy import check_password
from domain.identity.roles import Role
from domain.identity.user import User

BATCH = 250


@dataclass(frozen=True, slots=True)
class Account:
    email: str
    roles: frozenset[Role]


class SeedUsers:
    def __init__(
        self, uow: IdentityUnitOfWorkFactory, hasher: PasswordHasher, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._ids = ids

    async def holds_users(self) -> bool:
        async with self._uow(read_only=True) as uow:
            return bool(await uow.users.page(after=None, limit=1))

    async def __call__(
        self, accounts: Sequence[Account], password: str, advance: Callable[[int], None]
    ) -> list[UUID]:
        """Register the accounts in order; their ids, in the same order."""
        emails = [normalize_email(account.email) for account in accounts]
        for email in emails:
            check_password(password, email=email)
        password_hash = await self._hasher.hash(password)
        added: list[UUID] = []
        for batch in batches(list(zip(emails, accounts, strict=True)), BATCH):
            now = self._clock.now()
            users = [
                User.register(
                    id=self._ids.new_id(),
                    email=email,
                    password_hash=password_hash,
                    roles=account.roles,
                    now=now,
                    email_verified=True,  # the operator vouches for the address
                )
                for email, account in batch
            ]
            async with self._uow() as uow:
                for user in users:
                    await uow.users.add(user)
                await uow.commit()
            added += [user.id for user in users]
            advance(len(users))
        return added
