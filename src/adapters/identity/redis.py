"""RedisIdentityUnitOfWork: users as Redis documents, refresh tokens (redis_tokens), sessions
(redis_sessions), mailed account tokens (redis_account_tokens) and second factors
(redis_second_factors) beside them, identity's events in the Redis outbox.

Keys under `<prefix>:identity:`: `user:<id>` (hash: `v` version, `d` JSON), `email` (hash email
-> id: the unique index), `created` (sign-up order), `access` (ids scored by when their access
last changed, microseconds), `admins` (the set of active administrators' ids). Writes are staged
and committed by one Lua script (adapters/persistence/redis/documents.py) that checks every
version the unit of work relies on, including those of the administrators it locked: of two
units of work that each remove a different administrator, the second commit is refused
(ConcurrentUpdate), as the memory adapter does; SQL makes the second one wait instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.identity.redis_account_tokens import RedisAccountTokenStore
from adapters.identity.redis_linked import RedisLinkedIdentityStore
from adapters.identity.redis_second_factors import RedisSecondFactorStore
from adapters.identity.redis_sessions import RedisSessionStore
from adapters.identity.redis_tokens import RedisRefreshTokenStore
from adapters.persistence.redis.documents import CommitRefused, RedisDocuments, WriteSet
from adapters.persistence.redis.ordered import ids_after, member, microseconds
from adapters.persistence.redis.outbox import RedisOutbox
from domain.identity.errors import EmailTaken, IdentityAlreadyLinked
from domain.identity.repository import (
    AccessChange,
    IdentityUnitOfWork,
    UserPosition,
    UserRepository,
)
from domain.identity.roles import Role
from domain.identity.user import User
from domain.shared.errors import ConcurrentUpdate
from domain.shared.events import DomainEvent


class RedisUserRepository(UserRepository):
    def __init__(self, documents: RedisDocuments, uow: IdentityUnitOfWork) -> None:
        self._documents = documents
        self._uow = uow
        self._emails, self._created = self._key("email"), self._key("created")
        self._access, self._admins = self._key("access"), self._key("admins")
        self.staged: dict[UUID, User] = {}
        self.replaced: dict[UUID, User | None] = {}  # the committed user each change replaces
        self.expected: dict[UUID, int] = {}  # versions the commit relies on (0: a new user)
        self.read: dict[UUID, User] = {}  # what `get` read: an update needs no second read

    def _key(self, *parts: str) -> str:
        return self._documents.key("identity", *parts)

    def user_key(self, user_id: UUID) -> str:
        return self._key("user", str(user_id))

    async def _committed(self, user_id: UUID) -> User | None:
        document = await self._documents.read(self.user_key(user_id))
        return None if document is None else _user(document)

    async def _owner(self, email: str) -> UUID | None:
        async with self._documents.reachable():
            raw = await self._documents.client.hget(self._emails, email)
        return None if raw is None else UUID(raw.decode() if isinstance(raw, bytes) else raw)

    async def add(self, user: User) -> None:
        owner = await self._owner(user.email)
        staged_owner = any(u.email == user.email and i != user.id for i, u in self.staged.items())
        if staged_owner or (owner is not None and owner != user.id):
            raise EmailTaken()
        self._uow.saw(user)
        self.staged[user.id] = _copy(user)
        self.replaced.setdefault(user.id, None)
        self.expected.setdefault(user.id, 0)
        user.mark_persisted()

    async def get(self, user_id: UUID) -> User | None:
        stored = self.staged.get(user_id)
        if stored is not None:
            user: User | None = _copy(stored)
        elif (user := await self._committed(user_id)) is not None:
            self.read[user_id] = _copy(user)
        if user is not None:
            self._uow.saw(user)
        return user

    async def get_by_email(self, email: str) -> User | None:
        for user in self.staged.values():
            if user.email == email:
                return await self.get(user.id)
        owner = await self._owner(email)
        return None if owner is None else await self.get(owner)

    async def update(self, user: User) -> None:
        self._uow.saw(user)
        if user.id in self.staged:
            current: User | None = self.staged[user.id]
        else:
            current = self.read.get(user.id) or await self._committed(user.id)
            self.replaced[user.id] = current
        if current is None or current.version != user.persisted_version:
            raise ConcurrentUpdate(f"user {user.id} was changed meanwhile")
        self.expected.setdefault(user.id, current.version)
        self.staged[user.id] = _copy(user)
        user.mark_persisted()

    async def page(self, *, after: UserPosition | None, limit: int) -> list[User]:
        start = None if after is None else member(after.created_at, after.id)
        found: list[User] = []
        async for ids in ids_after(self._documents, self._created, start, chunk=limit):
            keys = [self.user_key(i) for i in ids if i not in self.staged]
            found += [_user(d) for d in await self._documents.read_many(keys) if d is not None]
            if len(found) >= limit:
                break
        found += [
            _copy(u)
            for u in self.staged.values()
            if start is None or member(u.created_at, u.id) > start
        ]
        found.sort(key=lambda u: (u.created_at, u.id))
        return found[:limit]

    async def lock_active_admins(self) -> list[UUID]:
        async with self._documents.reachable():
            members = await self._documents.client.smembers(self._admins)
        committed = [UUID(m.decode() if isinstance(m, bytes) else m) for m in members]
        admins = set()
        for user_id in committed:
            stored = await self._committed(user_id)
            if stored is not None:
                self.expected.setdefault(user_id, stored.version)
                self.replaced.setdefault(user_id, stored)
                if stored.is_active_admin and user_id not in self.staged:
                    admins.add(user_id)
        admins |= {i for i, u in self.staged.items() if u.is_active_admin}
        return sorted(admins)

    async def access_changes_since(self, since: datetime) -> list[AccessChange]:
        async with self._documents.reachable():
            found: list[bytes] = await self._documents.client.zrangebyscore(  # type: ignore[assignment]
                self._access, microseconds(since), "+inf"
            )
        keys = [self.user_key(UUID(m.decode())) for m in found]
        users = [_user(d) for d in await self._documents.read_many(keys) if d is not None]
        changed = [u for u in users if u.access_changed_at >= since]
        changed.sort(key=lambda u: u.access_changed_at)
        return [AccessChange(u.id, u.access_version, u.access_changed_at) for u in changed]

    def stage(self, writes: WriteSet) -> None:
        freeing: dict[str, list[str]] = {}
        for uid, user in self.staged.items():
            old = self.replaced.get(uid)
            if old is not None and old.email != user.email:
                writes.release(self._emails, old.email, str(uid))
                freeing.setdefault(old.email, []).append(str(uid))
        for uid, version in self.expected.items():
            writes.expect_version(self.user_key(uid), version)
        for uid, user in self.staged.items():
            writes.claim(self._emails, user.email, str(uid), freeing.get(user.email, ()))
            writes.put(self.user_key(uid), user.version, _document(user))
            writes.index(self._created, member(user.created_at, uid))
            writes.index(self._access, str(uid), microseconds(user.access_changed_at))
            writes.member(self._admins, str(uid), present=user.is_active_admin)

    def discard(self) -> None:
        self.staged.clear()
        self.replaced.clear()
        self.expected.clear()
        self.read.clear()


class RedisIdentityUnitOfWork(IdentityUnitOfWork):
    """With an `outbox`, a commit also appends the integration events of its domain events."""

    def __init__(
        self,
        documents: RedisDocuments,
        *,
        read_only: bool = False,
        outbox: RedisOutbox | None = None,
    ) -> None:
        self._documents = documents
        self.read_only = read_only
        self._outbox = outbox

    async def _begin(self) -> None:
        self.users = self._users = RedisUserRepository(self._documents, self)
        self.refresh_tokens = self._tokens = RedisRefreshTokenStore(self._documents)
        self.account_tokens = self._account_tokens = RedisAccountTokenStore(self._documents)
        self.second_factors = self._factors = RedisSecondFactorStore(self._documents, self)
        self.sessions = self._sessions = RedisSessionStore(self._documents)
        self.linked_identities = self._linked = RedisLinkedIdentityStore(self._documents)

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        writes = WriteSet()
        self._users.stage(writes)
        self._tokens.stage(writes)
        self._account_tokens.stage(writes)
        self._factors.stage(writes)
        self._sessions.stage(writes)
        self._linked.stage(writes)
        has_events = self._outbox.stage(writes, events) if self._outbox else False
        try:
            await self._documents.commit(writes)
        except CommitRefused as refused:
            if refused.kind == "taken" and self._linked.claims(refused.subject):
                raise IdentityAlreadyLinked() from None
            if refused.kind == "taken":
                raise EmailTaken() from None
            raise ConcurrentUpdate(f"{refused.subject} was changed meanwhile") from None
        self._discard()
        if has_events and self._outbox:
            self._outbox.notify()

    async def _close(self) -> None:
        self._discard()

    def _discard(self) -> None:
        self._users.discard()
        self._tokens.discard()
        self._account_tokens.discard()
        self._factors.discard()
        self._sessions.discard()
        self._linked.discard()


def _document(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "password_hash": user.password_hash,
        "roles": sorted(role.value for role in user.roles),
        "active": user.active,
        "access_version": user.access_version,
        "access_changed_at": user.access_changed_at.isoformat(),
        "email_verified_at": _when(user.email_verified_at),
        "created_at": user.created_at.isoformat(),
        "updated_at": user.updated_at.isoformat(),
        "version": user.version,
    }


def _user(document: dict[str, Any]) -> User:
    return User(
        id=UUID(document["id"]),
        email=document["email"],
        password_hash=document["password_hash"],
        roles=frozenset(Role(name) for name in document["roles"]),
        active=document["active"],
        access_version=document["access_version"],
        access_changed_at=datetime.fromisoformat(document["access_changed_at"]),
        # Absent from documents written before email verification: not verified.
        email_verified_at=_at(document.get("email_verified_at")),
        created_at=datetime.fromisoformat(document["created_at"]),
        updated_at=datetime.fromisoformat(document["updated_at"]),
        version=document["version"],
    )


def _when(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _copy(user: User) -> User:
    """A detached copy, so changes to it stay private until they are committed."""
    return _user(_document(user))


__all__ = ["RedisIdentityUnitOfWork", "RedisUserRepository"]
