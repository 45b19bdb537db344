"""MemoryIdentityUnitOfWork: users, tokens and sessions in dicts, with the same contract as SQL.

Writes are staged and applied by `commit` without awaiting anything, so a commit is atomic for
every coroutine of the process; versions, email uniqueness and single use of a refresh token are
checked again at that moment, as a database would (and so are the administrators a unit of work
locked: they stand in for SQL's row locks).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from adapters.identity.memory_linked import MemoryLinkedIdentityStore
from adapters.identity.memory_second_factors import MemorySecondFactorStore
from adapters.persistence.memory.outbox import MemoryOutbox
from domain.identity.account_token import AccountToken, TokenPurpose
from domain.identity.errors import EmailTaken
from domain.identity.linked_identity import LinkedIdentity
from domain.identity.refresh_token import RefreshToken
from domain.identity.repository import (
    AccessChange,
    AccountTokenStore,
    IdentityUnitOfWork,
    RefreshTokenStore,
    SessionStore,
    UserPosition,
    UserRepository,
)
from domain.identity.second_factor import SecondFactor
from domain.identity.session import Session
from domain.identity.user import User
from domain.shared.errors import ConcurrentUpdate
from domain.shared.events import DomainEvent


@dataclass
class MemoryIdentityStore:
    """The committed state, shared by every unit of work of one process."""

    users: dict[UUID, User] = field(default_factory=dict)
    emails: dict[str, UUID] = field(default_factory=dict)
    tokens: dict[UUID, RefreshToken] = field(default_factory=dict)
    digests: dict[str, UUID] = field(default_factory=dict)
    account_tokens: dict[str, AccountToken] = field(default_factory=dict)  # by digest
    second_factors: dict[UUID, SecondFactor] = field(default_factory=dict)
    sessions: dict[UUID, Session] = field(default_factory=dict)
    linked: dict[tuple[str, str], LinkedIdentity] = field(
        default_factory=dict
    )  # by provider, subject


class MemoryUserRepository(UserRepository):
    def __init__(self, store: MemoryIdentityStore, uow: MemoryIdentityUnitOfWork) -> None:
        self._store = store
        self._uow = uow
        self.staged: dict[UUID, User] = {}
        self.expected_versions: dict[UUID, int] = {}
        # Users read through lock_active_admins: each must be unchanged at commit.
        self.locked_versions: dict[UUID, int] = {}

    def _current(self, user_id: UUID) -> User | None:
        return self.staged.get(user_id) or self._store.users.get(user_id)

    def email_taken(self, user: User) -> bool:
        owner = self._store.emails.get(user.email)
        if owner is not None and owner != user.id:
            return True
        return any(u.email == user.email and uid != user.id for uid, u in self.staged.items())

    async def add(self, user: User) -> None:
        if self.email_taken(user):
            raise EmailTaken()
        self._uow.saw(user)
        self.staged[user.id] = _copy(user)
        self.expected_versions[user.id] = 0
        user.mark_persisted()

    async def get(self, user_id: UUID) -> User | None:
        stored = self._current(user_id)
        if stored is None:
            return None
        user = _copy(stored)
        self._uow.saw(user)
        return user

    async def get_by_email(self, email: str) -> User | None:
        for user in self.staged.values():
            if user.email == email:
                return await self.get(user.id)
        owner = self._store.emails.get(email)
        return None if owner is None else await self.get(owner)

    async def update(self, user: User) -> None:
        self._uow.saw(user)
        current = self._current(user.id)
        if current is None or current.version != user.persisted_version:
            raise ConcurrentUpdate(f"user {user.id} was changed meanwhile")
        self.expected_versions.setdefault(user.id, user.persisted_version)
        self.staged[user.id] = _copy(user)
        user.mark_persisted()

    async def page(self, *, after: UserPosition | None, limit: int) -> list[User]:
        visible = {**self._store.users, **self.staged}
        rows = sorted(visible.values(), key=lambda u: (u.created_at, u.id))
        if after is not None:
            rows = [u for u in rows if (u.created_at, u.id) > (after.created_at, after.id)]
        return [_copy(u) for u in rows[:limit]]

    async def lock_active_admins(self) -> list[UUID]:
        admins = [u for u in {**self._store.users, **self.staged}.values() if u.is_active_admin]
        for admin in admins:
            stored = self._store.users.get(admin.id)
            self.locked_versions.setdefault(admin.id, stored.version if stored else 0)
        return sorted(admin.id for admin in admins)

    async def access_changes_since(self, since: datetime) -> list[AccessChange]:
        changed = [u for u in self._store.users.values() if u.access_changed_at >= since]
        changed.sort(key=lambda u: u.access_changed_at)
        return [AccessChange(u.id, u.access_version, u.access_changed_at) for u in changed]


class MemoryRefreshTokenStore(RefreshTokenStore):
    def __init__(self, store: MemoryIdentityStore) -> None:
        self._store = store
        self.staged: dict[UUID, RefreshToken] = {}
        # Tokens this unit of work marked used: each must still be unused at commit.
        self.used: set[UUID] = set()
        self.forgotten: set[UUID] = set()  # expired tokens removed at commit

    def _current(self, token_id: UUID) -> RefreshToken | None:
        return self.staged.get(token_id) or self._store.tokens.get(token_id)

    def _all(self) -> dict[UUID, RefreshToken]:
        return {**self._store.tokens, **self.staged}

    async def add(self, token: RefreshToken) -> None:
        self.staged[token.id] = token

    async def find(self, digest: str) -> RefreshToken | None:
        for token in self.staged.values():
            if token.digest == digest:
                return token
        token_id = self._store.digests.get(digest)
        return None if token_id is None else self._current(token_id)

    async def use(self, token: RefreshToken, at: datetime) -> bool:
        current = self._current(token.id)
        if current is None or current.used_at is not None or current.revoked_at is not None:
            return False
        self.staged[token.id] = dataclasses.replace(current, used_at=at)
        self.used.add(token.id)
        return True

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        self._revoke(lambda t: t.family_id == family_id, at)

    async def revoke_all_of(
        self, user_id: UUID, at: datetime, *, keep_family: UUID | None = None
    ) -> None:
        self._revoke(lambda t: t.user_id == user_id and t.family_id != keep_family, at)

    async def purge_expired(self, before: datetime) -> int:
        expired = {i for i, token in self._all().items() if token.expires_at < before}
        self.forgotten |= expired
        return len(expired)

    def _revoke(self, matches: Callable[[RefreshToken], bool], at: datetime) -> None:
        for token_id, token in self._all().items():
            if matches(token) and token.revoked_at is None:
                self.staged[token_id] = dataclasses.replace(token, revoked_at=at)


class MemoryAccountTokenStore(AccountTokenStore):
    def __init__(self, store: MemoryIdentityStore) -> None:
        self._store = store
        self.staged: dict[str, AccountToken] = {}
        self.used: set[str] = set()  # digests this unit of work spent: unused still at commit
        self.forgotten: set[str] = set()

    def _all(self) -> dict[str, AccountToken]:
        return {**self._store.account_tokens, **self.staged}

    async def add(self, token: AccountToken) -> None:
        self.staged[token.digest] = token

    async def find(self, digest: str, purpose: TokenPurpose) -> AccountToken | None:
        token = self.staged.get(digest) or self._store.account_tokens.get(digest)
        return token if token is not None and token.purpose == purpose else None

    async def use(self, token: AccountToken, at: datetime) -> bool:
        current = self._all().get(token.digest)
        if current is None or current.used_at is not None:
            return False
        for digest, other in self._all().items():
            same = (other.user_id, other.purpose) == (token.user_id, token.purpose)
            if same and other.used_at is None:
                self.staged[digest] = dataclasses.replace(other, used_at=at)
        self.used.add(token.digest)
        return True

    async def purge_expired(self, before: datetime) -> int:
        expired = {d for d, token in self._all().items() if token.expires_at < before}
        self.forgotten |= expired
        return len(expired)

    async def forget_user(self, user_id: UUID) -> None:
        self.forgotten |= {d for d, token in self._all().items() if token.user_id == user_id}

    def check_commit(self) -> None:
        for digest in self.used:
            stored = self._store.account_tokens.get(digest)
            if stored is not None and stored.used_at is not None:
                raise ConcurrentUpdate("the account token was used meanwhile")

    def apply_commit(self) -> None:
        self._store.account_tokens.update(self.staged)
        for digest in self.forgotten:
            self._store.account_tokens.pop(digest, None)

    def discard(self) -> None:
        self.staged.clear()
        self.used.clear()
        self.forgotten.clear()


class MemorySessionStore(SessionStore):
    def __init__(self, store: MemoryIdentityStore) -> None:
        self._store = store
        self.staged: dict[UUID, Session] = {}
        self.forgotten: set[UUID] = set()

    def _all(self) -> dict[UUID, Session]:
        every = {**self._store.sessions, **self.staged}
        return {i: s for i, s in every.items() if i not in self.forgotten}

    async def add(self, session: Session) -> None:
        self.staged[session.id] = session

    async def get(self, session_id: UUID) -> Session | None:
        return self._all().get(session_id)

    async def of_user(self, user_id: UUID) -> list[Session]:
        mine = [s for s in self._all().values() if s.user_id == user_id and s.revoked_at is None]
        return sorted(mine, key=lambda s: (s.created_at, s.id), reverse=True)

    async def touch(self, session_id: UUID, *, at: datetime, expires_at: datetime) -> None:
        current = self._all().get(session_id)
        if current is not None:
            self.staged[session_id] = dataclasses.replace(
                current, last_used_at=at, expires_at=expires_at
            )

    async def revoke(self, session_ids: Collection[UUID], at: datetime) -> None:
        every = self._all()
        for session_id in session_ids:
            current = every.get(session_id)
            if current is not None and current.revoked_at is None:
                self.staged[session_id] = dataclasses.replace(current, revoked_at=at)

    async def revoked_since(self, since: datetime) -> list[UUID]:
        return [
            s.id
            for s in self._store.sessions.values()
            if s.revoked_at is not None and s.revoked_at >= since
        ]

    async def forget_user(self, user_id: UUID) -> None:
        self.forgotten |= {i for i, s in self._all().items() if s.user_id == user_id}

    async def purge_expired(self, before: datetime) -> int:
        expired = {i for i, s in self._all().items() if s.expires_at < before}
        self.forgotten |= expired
        return len(expired)

    def apply_commit(self) -> None:
        for session_id, session in self.staged.items():
            stored = self._store.sessions.get(session_id)
            if stored is not None and stored.revoked_at is not None:  # a revocation stays
                session = dataclasses.replace(session, revoked_at=stored.revoked_at)
            self._store.sessions[session_id] = session
        for session_id in self.forgotten:
            self._store.sessions.pop(session_id, None)

    def discard(self) -> None:
        self.staged.clear()
        self.forgotten.clear()


class MemoryIdentityUnitOfWork(IdentityUnitOfWork):
    """With an `outbox`, a commit also appends the integration events of its domain events."""

    def __init__(
        self,
        store: MemoryIdentityStore,
        *,
        read_only: bool = False,
        outbox: MemoryOutbox | None = None,
    ) -> None:
        self._store = store
        self.read_only = read_only
        self._outbox = outbox

    async def _begin(self) -> None:
        self.users = self._users = MemoryUserRepository(self._store, self)
        self.refresh_tokens = self._tokens = MemoryRefreshTokenStore(self._store)
        self.account_tokens = self._account_tokens = MemoryAccountTokenStore(self._store)
        self.second_factors = self._factors = MemorySecondFactorStore(
            self._store.second_factors, self
        )
        self.sessions = self._sessions = MemorySessionStore(self._store)
        self.linked_identities = self._linked = MemoryLinkedIdentityStore(self._store.linked)

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        store, users, tokens = self._store, self._users, self._tokens
        for uid, expected in {**users.locked_versions, **users.expected_versions}.items():
            stored = store.users.get(uid)
            if (stored.version if stored else 0) != expected:
                raise ConcurrentUpdate(f"user {uid} was changed meanwhile")
        for user in users.staged.values():
            if users.email_taken(user):
                raise EmailTaken()
        for token_id in tokens.used:
            stored_token = store.tokens.get(token_id)
            if stored_token is not None and stored_token.used_at is not None:
                raise ConcurrentUpdate(f"refresh token {token_id} was used meanwhile")
        self._account_tokens.check_commit()
        self._factors.check_commit()
        self._linked.check_commit()
        outgoing = self._outbox.prepare(events) if self._outbox else []
        for uid, user in users.staged.items():
            previous = store.users.get(uid)
            if previous is not None and store.emails.get(previous.email) == uid:
                del store.emails[previous.email]
            store.users[uid] = user
            store.emails[user.email] = uid
        for token_id, token in tokens.staged.items():
            store.tokens[token_id] = token
            store.digests[token.digest] = token_id
        for token_id in tokens.forgotten:
            if (gone := store.tokens.pop(token_id, None)) is not None:
                store.digests.pop(gone.digest, None)
        self._account_tokens.apply_commit()
        self._factors.apply_commit()
        self._sessions.apply_commit()
        self._linked.apply_commit()
        if self._outbox:
            self._outbox.append(outgoing)
        self._discard()

    async def _close(self) -> None:
        self._discard()

    def _discard(self) -> None:
        self._users.staged.clear()
        self._users.expected_versions.clear()
        self._users.locked_versions.clear()
        self._tokens.staged.clear()
        self._tokens.used.clear()
        self._tokens.forgotten.clear()
        self._account_tokens.discard()
        self._factors.discard()
        self._sessions.discard()
        self._linked.discard()


def _copy(user: User) -> User:
    """A detached copy, so changes to it stay private until they are committed."""
    return User(
        id=user.id,
        email=user.email,
        password_hash=user.password_hash,
        roles=user.roles,
        active=user.active,
        access_version=user.access_version,
        access_changed_at=user.access_changed_at,
        email_verified_at=user.email_verified_at,
        created_at=user.created_at,
        updated_at=user.updated_at,
        version=user.version,
    )
