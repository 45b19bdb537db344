"""Ports of identity: users, refresh tokens, sessions, mailed tokens, and the unit of work that
holds them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.identity.account_token import AccountToken, TokenPurpose
from domain.identity.linked_identity import LinkedIdentityStore
from domain.identity.refresh_token import RefreshToken
from domain.identity.second_factor import SecondFactor
from domain.identity.session import Session
from domain.identity.user import User
from domain.shared.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class UserPosition:
    """Where a page of users ends: users are listed by (created_at, id), ascending."""

    created_at: datetime
    id: UUID


@dataclass(frozen=True, slots=True)
class AccessChange:
    user_id: UUID
    access_version: int
    changed_at: datetime


class UserRepository(ABC):
    """Users by id and by (normalized) email.

    `add` raises EmailTaken when the email is in use; `update` raises ConcurrentUpdate when the
    stored version is no longer `user.persisted_version`.
    """

    @abstractmethod
    async def add(self, user: User) -> None: ...

    @abstractmethod
    async def get(self, user_id: UUID) -> User | None: ...

    @abstractmethod
    async def get_by_email(self, email: str) -> User | None: ...

    @abstractmethod
    async def update(self, user: User) -> None: ...

    @abstractmethod
    async def page(self, *, after: UserPosition | None, limit: int) -> list[User]: ...

    @abstractmethod
    async def lock_active_admins(self) -> list[UUID]:
        """Ids of the active administrators, held until the unit of work ends.

        Of two units of work that lock them and each remove a different one, only one commits:
        SQL locks the rows (SELECT ... FOR UPDATE; the second waits, then reads the first's
        commit), memory refuses the second commit (ConcurrentUpdate) if one of them changed.
        """

    @abstractmethod
    async def access_changes_since(self, since: datetime) -> list[AccessChange]:
        """Users whose access changed at or after `since`, oldest change first."""


class RefreshTokenStore(ABC):
    """Refresh tokens, found by digest. Writes become durable at the unit of work's commit."""

    @abstractmethod
    async def add(self, token: RefreshToken) -> None: ...

    @abstractmethod
    async def find(self, digest: str) -> RefreshToken | None: ...

    @abstractmethod
    async def use(self, token: RefreshToken, at: datetime) -> bool:
        """Mark the token used, only if it is still unused and unrevoked; False if it was not.

        Two concurrent uses of one token: exactly one gets True.
        """

    @abstractmethod
    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        """Revoke every token of the family that is not revoked yet."""

    @abstractmethod
    async def revoke_all_of(
        self, user_id: UUID, at: datetime, *, keep_family: UUID | None = None
    ) -> None:
        """Revoke every token of the user (deactivation, reset), but those of `keep_family`
        (the session that changed its password or ended the others)."""

    @abstractmethod
    async def purge_expired(self, before: datetime) -> int:
        """Forget tokens that expired before `before` (refused anyway); returns how many."""


class AccountTokenStore(ABC):
    """The mailed tokens (email verification, password reset), found by digest and purpose."""

    @abstractmethod
    async def add(self, token: AccountToken) -> None: ...

    @abstractmethod
    async def find(self, digest: str, purpose: TokenPurpose) -> AccountToken | None: ...

    @abstractmethod
    async def use(self, token: AccountToken, at: datetime) -> bool:
        """Spend the token, and every other unused one of its user and purpose; False if the
        token itself was used already.

        Two concurrent uses of one token: exactly one gets True (SQL: the second waits for the
        first one's row lock, then matches nothing; memory: the second commit is refused).
        """

    @abstractmethod
    async def purge_expired(self, before: datetime) -> int:
        """Forget tokens that expired before `before`; returns how many."""

    @abstractmethod
    async def forget_user(self, user_id: UUID) -> None:
        """Forget every token of the user, used or not (a deleted account)."""


class SessionStore(ABC):
    """Sessions (refresh-token families) with their device, address and last use.

    Revoking a session here does not touch its refresh tokens: the use cases revoke both
    (application/identity/sessions.py).
    """

    @abstractmethod
    async def add(self, session: Session) -> None: ...

    @abstractmethod
    async def get(self, session_id: UUID) -> Session | None: ...

    @abstractmethod
    async def of_user(self, user_id: UUID) -> list[Session]:
        """The user's sessions that are not revoked (expired ones included), newest first."""

    @abstractmethod
    async def touch(self, session_id: UUID, *, at: datetime, expires_at: datetime) -> None:
        """A refresh: the session was used at `at` and now lives until `expires_at`."""

    @abstractmethod
    async def revoke(self, session_ids: Collection[UUID], at: datetime) -> None:
        """Revoke these sessions (those revoked already keep their first revocation)."""

    @abstractmethod
    async def revoked_since(self, since: datetime) -> list[UUID]:
        """Sessions revoked at or after `since` (AccessRevocations refuses their tokens)."""

    @abstractmethod
    async def forget_user(self, user_id: UUID) -> None:
        """Forget every session of the user (an erased account)."""

    @abstractmethod
    async def purge_expired(self, before: datetime) -> int:
        """Forget sessions that expired before `before`; returns how many."""


class SecondFactorStore(ABC):
    """Each account's second factor (at most one): sealed secret, state, recovery code digests,
    the last accepted time-step.

    `save` adds a factor whose `persisted_version` is 0 and otherwise writes it only where the
    stored version is still `persisted_version`; `remove` likewise. Either raises
    ConcurrentUpdate when it is not (at once, or at commit): of two uses of one code or one
    recovery code, one wins.
    """

    @abstractmethod
    async def get(self, user_id: UUID) -> SecondFactor | None: ...

    @abstractmethod
    async def save(self, factor: SecondFactor) -> None: ...

    @abstractmethod
    async def remove(self, factor: SecondFactor) -> None: ...


class IdentityUnitOfWork(UnitOfWork):
    users: UserRepository
    refresh_tokens: RefreshTokenStore
    account_tokens: AccountTokenStore
    second_factors: SecondFactorStore
    sessions: SessionStore
    linked_identities: LinkedIdentityStore
