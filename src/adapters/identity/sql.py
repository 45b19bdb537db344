"""SqlIdentityUnitOfWork: users, tokens and sessions in SQL tables, via SQLAlchemy Core."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.identity.sql_linked import SqlLinkedIdentityStore
from adapters.identity.sql_second_factors import SqlSecondFactorStore
from adapters.identity.tables import account_tokens, refresh_tokens, user_sessions, users
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from domain.identity.account_token import AccountToken, TokenPurpose
from domain.identity.errors import EmailTaken
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
from domain.identity.roles import Role
from domain.identity.session import Session
from domain.identity.user import User
from domain.shared.errors import ConcurrentUpdate


class SqlUserRepository(UserRepository):
    def __init__(self, connection: AsyncConnection, uow: IdentityUnitOfWork) -> None:
        self._conn = connection
        self._uow = uow

    async def add(self, user: User) -> None:
        self._uow.saw(user)
        try:
            await self._conn.execute(insert(users).values(**_row(user)))
        except IntegrityError as error:
            if "email" in str(error.orig).lower():
                raise EmailTaken() from None
            raise
        user.mark_persisted()

    async def get(self, user_id: UUID) -> User | None:
        return await self._one(users.c.id == user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self._one(users.c.email == email)

    async def _one(self, condition: Any) -> User | None:
        result = await self._conn.execute(select(users).where(condition))
        row = result.mappings().first()
        if row is None:
            return None
        user = _user(row)
        self._uow.saw(user)
        return user

    async def update(self, user: User) -> None:
        self._uow.saw(user)
        values = _row(user)
        del values["id"], values["created_at"]
        result = await self._conn.execute(
            update(users)
            .where(users.c.id == user.id, users.c.version == user.persisted_version)
            .values(**values)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"user {user.id} was changed meanwhile")
        user.mark_persisted()

    async def page(self, *, after: UserPosition | None, limit: int) -> list[User]:
        query = select(users).order_by(users.c.created_at, users.c.id).limit(limit)
        if after is not None:
            query = query.where(
                or_(
                    users.c.created_at > after.created_at,
                    and_(users.c.created_at == after.created_at, users.c.id > after.id),
                )
            )
        result = await self._conn.execute(query)
        return [_user(row) for row in result.mappings()]

    async def lock_active_admins(self) -> list[UUID]:
        # FOR UPDATE, in id order so two lockers queue instead of deadlocking. A second locker
        # waits for the first one's commit and then reads the rows as committed: PostgreSQL (READ
        # COMMITTED) re-checks the WHERE on rows changed meanwhile, and InnoDB's locking reads
        # read the latest version even under REPEATABLE READ. SQLite has no FOR UPDATE (it is
        # dropped), but our transactions start with BEGIN IMMEDIATE, so writers run one at a time.
        result = await self._conn.execute(
            select(users.c.id, users.c.roles)
            .where(users.c.active.is_(True), users.c.roles.like(f"%{Role.ADMIN.value}%"))
            .order_by(users.c.id)
            .with_for_update()
        )
        return [row[0] for row in result if Role.ADMIN.value in row[1].split(",")]

    async def access_changes_since(self, since: datetime) -> list[AccessChange]:
        result = await self._conn.execute(
            select(users.c.id, users.c.access_version, users.c.access_changed_at)
            .where(users.c.access_changed_at >= since)
            .order_by(users.c.access_changed_at)
        )
        return [AccessChange(row[0], row[1], row[2]) for row in result]


class SqlRefreshTokenStore(RefreshTokenStore):
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, token: RefreshToken) -> None:
        await self._conn.execute(
            insert(refresh_tokens).values(
                id=token.id,
                family_id=token.family_id,
                user_id=token.user_id,
                digest=token.digest,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
                revoked_at=token.revoked_at,
            )
        )

    async def find(self, digest: str) -> RefreshToken | None:
        result = await self._conn.execute(
            select(refresh_tokens).where(refresh_tokens.c.digest == digest)
        )
        row = result.mappings().first()
        return None if row is None else _token(row)

    async def use(self, token: RefreshToken, at: datetime) -> bool:
        # The WHERE makes it single-use under concurrency: the second writer waits for the first
        # one's row lock, then matches no row.
        result = await self._conn.execute(
            update(refresh_tokens)
            .where(
                refresh_tokens.c.id == token.id,
                refresh_tokens.c.used_at.is_(None),
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(used_at=at)
        )
        return bool(result.rowcount == 1)

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        await self._revoke(refresh_tokens.c.family_id == family_id, at)

    async def revoke_all_of(
        self, user_id: UUID, at: datetime, *, keep_family: UUID | None = None
    ) -> None:
        condition = refresh_tokens.c.user_id == user_id
        if keep_family is not None:
            condition = and_(condition, refresh_tokens.c.family_id != keep_family)
        await self._revoke(condition, at)

    async def purge_expired(self, before: datetime) -> int:
        result = await self._conn.execute(
            delete(refresh_tokens).where(refresh_tokens.c.expires_at < before)
        )
        return int(result.rowcount)

    async def _revoke(self, condition: Any, at: datetime) -> None:
        await self._conn.execute(
            update(refresh_tokens)
            .where(condition, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class SqlAccountTokenStore(AccountTokenStore):
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, token: AccountToken) -> None:
        await self._conn.execute(
            insert(account_tokens).values(
                id=token.id,
                user_id=token.user_id,
                purpose=token.purpose.value,
                digest=token.digest,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    async def find(self, digest: str, purpose: TokenPurpose) -> AccountToken | None:
        result = await self._conn.execute(
            select(account_tokens).where(
                account_tokens.c.digest == digest, account_tokens.c.purpose == purpose.value
            )
        )
        row = result.mappings().first()
        if row is None:
            return None
        return AccountToken(
            id=row["id"],
            user_id=row["user_id"],
            purpose=TokenPurpose(row["purpose"]),
            digest=row["digest"],
            issued_at=row["issued_at"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    async def use(self, token: AccountToken, at: datetime) -> bool:
        # This token first, only while unused (the WHERE makes it single-use under concurrency:
        # a second user waits for the first one's row lock, then matches no row); then its
        # siblings, so one reset or verification spends every link mailed for it.
        unused = account_tokens.c.used_at.is_(None)
        result = await self._conn.execute(
            update(account_tokens).where(account_tokens.c.id == token.id, unused).values(used_at=at)
        )
        if result.rowcount != 1:
            return False
        await self._conn.execute(
            update(account_tokens)
            .where(
                account_tokens.c.user_id == token.user_id,
                account_tokens.c.purpose == token.purpose.value,
                unused,
            )
            .values(used_at=at)
        )
        return True

    async def purge_expired(self, before: datetime) -> int:
        result = await self._conn.execute(
            delete(account_tokens).where(account_tokens.c.expires_at < before)
        )
        return int(result.rowcount)

    async def forget_user(self, user_id: UUID) -> None:
        await self._conn.execute(delete(account_tokens).where(account_tokens.c.user_id == user_id))


class SqlSessionStore(SessionStore):
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, session: Session) -> None:
        await self._conn.execute(insert(user_sessions).values(**dataclasses.asdict(session)))

    async def get(self, session_id: UUID) -> Session | None:
        result = await self._conn.execute(
            select(user_sessions).where(user_sessions.c.id == session_id)
        )
        row = result.mappings().first()
        return None if row is None else Session(**row)

    async def of_user(self, user_id: UUID) -> list[Session]:
        result = await self._conn.execute(
            select(user_sessions)
            .where(user_sessions.c.user_id == user_id, user_sessions.c.revoked_at.is_(None))
            .order_by(user_sessions.c.created_at.desc(), user_sessions.c.id.desc())
        )
        return [Session(**row) for row in result.mappings()]

    async def touch(self, session_id: UUID, *, at: datetime, expires_at: datetime) -> None:
        await self._conn.execute(
            update(user_sessions)
            .where(user_sessions.c.id == session_id)
            .values(last_used_at=at, expires_at=expires_at)
        )

    async def revoke(self, session_ids: Collection[UUID], at: datetime) -> None:
        if session_ids:
            await self._conn.execute(
                update(user_sessions)
                .where(user_sessions.c.id.in_(session_ids), user_sessions.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )

    async def revoked_since(self, since: datetime) -> list[UUID]:
        result = await self._conn.execute(
            select(user_sessions.c.id).where(user_sessions.c.revoked_at >= since)
        )
        return [row[0] for row in result]

    async def forget_user(self, user_id: UUID) -> None:
        await self._conn.execute(delete(user_sessions).where(user_sessions.c.user_id == user_id))

    async def purge_expired(self, before: datetime) -> int:
        result = await self._conn.execute(
            delete(user_sessions).where(user_sessions.c.expires_at < before)
        )
        return int(result.rowcount)


class SqlIdentityUnitOfWork(SqlUnitOfWork, IdentityUnitOfWork):
    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.users = SqlUserRepository(connection, self)
        self.refresh_tokens = SqlRefreshTokenStore(connection)
        self.account_tokens = SqlAccountTokenStore(connection)
        self.second_factors = SqlSecondFactorStore(connection, self)
        self.sessions = SqlSessionStore(connection)
        self.linked_identities = SqlLinkedIdentityStore(connection)


def _row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "password_hash": user.password_hash,
        "roles": ",".join(sorted(role.value for role in user.roles)),
        "active": user.active,
        "access_version": user.access_version,
        "access_changed_at": user.access_changed_at,
        "email_verified_at": user.email_verified_at,
        "version": user.version,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        roles=frozenset(Role(name) for name in row["roles"].split(",") if name),
        active=bool(row["active"]),
        access_version=row["access_version"],
        access_changed_at=row["access_changed_at"],
        email_verified_at=row["email_verified_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _token(row: RowMapping) -> RefreshToken:
    return RefreshToken(
        id=row["id"],
        family_id=row["family_id"],
        user_id=row["user_id"],
        digest=row["digest"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        revoked_at=row["revoked_at"],
    )


__all__ = [
    "SqlAccountTokenStore",
    "SqlIdentityUnitOfWork",
    "SqlRefreshTokenStore",
    "SqlSessionStore",
    "SqlUserRepository",
]
