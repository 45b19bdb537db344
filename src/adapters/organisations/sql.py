"""SqlOrganisationsUnitOfWork and its repositories: organisations, their members and invitations
in SQL tables, via SQLAlchemy Core.

An organisation's members are written with it: the row is updated where the version is still
the one read, then its member rows are replaced, all in the unit of work's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, and_, delete, insert, or_, select, true, update
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.organisations.tables import (
    organisation_invitations,
    organisation_members,
    organisations,
)
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from domain.organisations.invitation import Invitation, InvitationStatus
from domain.organisations.organisation import Member, MemberRole, Organisation
from domain.organisations.repository import (
    InvitationRepository,
    OrganisationRepository,
    OrganisationsUnitOfWork,
    Position,
)
from domain.shared.errors import ConcurrentUpdate
from domain.shared.unit_of_work import UnitOfWork

_members = organisation_members
_invitations = organisation_invitations


def _after(table: Any, after: Position | None) -> Any:
    """The keyset condition: rows after `after` in (created_at, id) order."""
    if after is None:
        return true()
    return or_(
        table.c.created_at > after.created_at,
        and_(table.c.created_at == after.created_at, table.c.id > after.id),
    )


class _Writer:
    def __init__(self, connection: AsyncConnection, uow: UnitOfWork, read_only: bool) -> None:
        self._conn = connection
        self._uow = uow
        self._read_only = read_only

    async def _write(self, statement: Any, key: UUID, *, must_match: bool = False) -> None:
        if self._read_only:
            # Autocommit would make the write durable at once: refuse it instead.
            raise RuntimeError("a read-only unit of work cannot write")
        result = await self._conn.execute(statement)
        if must_match and result.rowcount != 1:
            raise ConcurrentUpdate(f"{key} was changed or deleted meanwhile")


class SqlOrganisationRepository(_Writer, OrganisationRepository):
    async def add(self, organisation: Organisation) -> None:
        self._uow.saw(organisation)
        await self._write(insert(organisations).values(**_row(organisation)), organisation.id)
        await self._insert_members(organisation)
        organisation.mark_persisted()

    async def get(self, organisation_id: UUID) -> Organisation | None:
        found = await self._load(select(organisations).where(organisations.c.id == organisation_id))
        if not found:
            return None
        self._uow.saw(found[0])
        return found[0]

    async def page(
        self, *, member: UUID | None, after: Position | None, limit: int
    ) -> list[Organisation]:
        query = (
            select(organisations)
            .where(_after(organisations, after))
            .order_by(organisations.c.created_at, organisations.c.id)
            .limit(limit)
        )
        if member is not None:
            mine = select(_members.c.organisation_id).where(_members.c.user_id == member)
            query = query.where(organisations.c.id.in_(mine))
        return await self._load(query)

    async def role_of(self, organisation_id: UUID, user_id: UUID) -> MemberRole | None:
        # The members' primary key (organisation, user): one index lookup.
        role = await self._conn.scalar(
            select(_members.c.role).where(
                _members.c.organisation_id == organisation_id, _members.c.user_id == user_id
            )
        )
        return MemberRole(role) if role is not None else None

    async def update(self, organisation: Organisation) -> None:
        self._uow.saw(organisation)
        values = _row(organisation)
        del values["id"], values["created_at"]
        statement = (
            update(organisations)
            .where(
                organisations.c.id == organisation.id,
                organisations.c.version == organisation.persisted_version,
            )
            .values(**values)
        )
        await self._write(statement, organisation.id, must_match=True)
        await self._write(
            delete(_members).where(_members.c.organisation_id == organisation.id), organisation.id
        )
        await self._insert_members(organisation)
        organisation.mark_persisted()

    async def remove(self, organisation: Organisation) -> None:
        self._uow.saw(organisation)
        statement = delete(organisations).where(
            organisations.c.id == organisation.id,
            organisations.c.version == organisation.persisted_version,
        )
        # Children first: the foreign keys hold on every database, cascading or not.
        for table in (_members, _invitations):
            await self._write(
                delete(table).where(table.c.organisation_id == organisation.id), organisation.id
            )
        await self._write(statement, organisation.id, must_match=True)

    async def _insert_members(self, organisation: Organisation) -> None:
        rows = [
            {
                "organisation_id": organisation.id,
                "user_id": m.user_id,
                "role": m.role.value,
                "joined_at": m.joined_at,
            }
            for m in organisation.members.values()
        ]
        if rows:
            await self._write(insert(_members).values(rows), organisation.id)

    async def _load(self, query: Any) -> list[Organisation]:
        rows = list((await self._conn.execute(query)).mappings())
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        members: dict[UUID, dict[UUID, Member]] = {key: {} for key in ids}
        found = await self._conn.execute(
            select(_members).where(_members.c.organisation_id.in_(ids))
        )
        for m in found.mappings():
            members[m["organisation_id"]][m["user_id"]] = Member(
                m["user_id"], MemberRole(m["role"]), m["joined_at"]
            )
        return [_from_row(row, members[row["id"]]) for row in rows]


class SqlInvitationRepository(_Writer, InvitationRepository):
    async def add(self, invitation: Invitation) -> None:
        self._uow.saw(invitation)
        await self._write(insert(_invitations).values(**_invitation_row(invitation)), invitation.id)
        invitation.mark_persisted()

    async def get(self, invitation_id: UUID) -> Invitation | None:
        return self._first(await self._read(_invitations.c.id == invitation_id))

    async def find(self, digest: str) -> Invitation | None:
        return self._first(await self._read(_invitations.c.digest == digest))

    async def pending(
        self, organisation_id: UUID, *, after: Position | None, limit: int
    ) -> list[Invitation]:
        return await self._read(
            _invitations.c.organisation_id == organisation_id,
            _invitations.c.status == InvitationStatus.PENDING.value,
            _after(_invitations, after),
            limit=limit,
        )

    async def update(self, invitation: Invitation) -> None:
        self._uow.saw(invitation)
        values = _invitation_row(invitation)
        del values["id"], values["created_at"]
        statement = (
            update(_invitations)
            .where(
                _invitations.c.id == invitation.id,
                _invitations.c.version == invitation.persisted_version,
            )
            .values(**values)
        )
        await self._write(statement, invitation.id, must_match=True)
        invitation.mark_persisted()

    async def _read(self, *where: Any, limit: int | None = None) -> list[Invitation]:
        query = (
            select(_invitations)
            .where(*where)
            .order_by(_invitations.c.created_at, _invitations.c.id)
            .limit(limit)
        )
        return [_invitation_from_row(row) for row in (await self._conn.execute(query)).mappings()]

    def _first(self, found: Iterable[Invitation]) -> Invitation | None:
        for invitation in found:
            self._uow.saw(invitation)
            return invitation
        return None


class SqlOrganisationsUnitOfWork(SqlUnitOfWork, OrganisationsUnitOfWork):
    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.organisations = SqlOrganisationRepository(connection, self, self.read_only)
        self.invitations = SqlInvitationRepository(connection, self, self.read_only)


def _row(organisation: Organisation) -> dict[str, Any]:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "version": organisation.version,
        "created_at": organisation.created_at,
        "updated_at": organisation.updated_at,
    }


def _from_row(row: RowMapping, members: dict[UUID, Member]) -> Organisation:
    return Organisation(
        id=row["id"],
        name=row["name"],
        members=members,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _invitation_row(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "organisation_id": invitation.organisation_id,
        "email": invitation.email,
        "role": invitation.role.value,
        "invited_by": invitation.invited_by,
        "status": invitation.status.value,
        "digest": invitation.digest,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "updated_at": invitation.updated_at,
        "version": invitation.version,
    }


def _invitation_from_row(row: RowMapping) -> Invitation:
    return Invitation(
        id=row["id"],
        organisation_id=row["organisation_id"],
        email=row["email"],
        role=MemberRole(row["role"]),
        invited_by=row["invited_by"],
        status=InvitationStatus(row["status"]),
        digest=row["digest"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )
