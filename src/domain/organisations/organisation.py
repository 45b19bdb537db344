"""The Organisation aggregate: a name and its members, each with one role, and the rules.

The members live inside the aggregate, so the rule every change must keep (at least one owner)
is checked against one consistent state and guarded by the organisation's version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.organisations.errors import (
    AlreadyMember,
    LastOwner,
    MemberNotFound,
    OrganisationNotFound,
    RoleRequired,
)
from domain.organisations.events import (
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    MemberRoleChanged,
    OrganisationCreated,
    OrganisationDeleted,
    OrganisationRenamed,
    OwnershipTransferred,
)
from domain.shared.aggregate import VersionedAggregate
from domain.shared.errors import InvalidValue

NAME_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MemberRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


def parse_role(raw: str, *, field: str = "role") -> MemberRole:
    try:
        return MemberRole(raw)
    except ValueError:
        known = ", ".join(role.value for role in MemberRole)
        raise InvalidValue(field, f"{raw!r} is not a role; the roles are: {known}") from None


def valid_name(raw: str) -> str:
    """Trimmed of spaces (ASCII ones, as the API's schema states it)."""
    name = raw.strip(" ")
    if not name:
        raise InvalidValue("name", "must not be empty")
    if len(name) > NAME_MAX:
        raise InvalidValue("name", f"must be at most {NAME_MAX} characters")
    if _CONTROL.search(name):
        raise InvalidValue("name", "must be a single line of printable text")
    return name


@dataclass(frozen=True, slots=True)
class Member:
    user_id: UUID
    role: MemberRole
    joined_at: datetime


_MANAGERS = frozenset({MemberRole.OWNER, MemberRole.ADMIN})


class Organisation(VersionedAggregate):
    """Construct new ones with `Organisation.create`; the constructor rehydrates.

    Every rule takes the acting user: a user who is not a member is told the organisation does
    not exist (404), a member without the role is told which role it needs (403).
    """

    __slots__ = ("created_at", "id", "members", "name")

    def __init__(
        self,
        *,
        id: UUID,
        name: str,
        members: dict[UUID, Member],
        created_at: datetime,
        updated_at: datetime,
        version: int,
    ) -> None:
        self.id = id
        self.name = name
        self.members = members
        self.created_at = created_at
        super().__init__(version=version, updated_at=updated_at)

    @classmethod
    def create(cls, *, id: UUID, name: str, owner_id: UUID, now: datetime) -> Organisation:
        organisation = cls(
            id=id,
            name=valid_name(name),
            members={owner_id: Member(owner_id, MemberRole.OWNER, now)},
            created_at=now,
            updated_at=now,
            version=1,
        )
        organisation._mark_new()
        organisation.record(
            OrganisationCreated(
                aggregate_id=id, occurred_at=now, name=organisation.name, owner_id=owner_id
            )
        )
        return organisation

    # --- reading -------------------------------------------------------------------------

    def role_of(self, user_id: UUID) -> MemberRole:
        """The member's role; OrganisationNotFound for anybody else."""
        member = self.members.get(user_id)
        if member is None:
            raise OrganisationNotFound(self.id)
        return member.role

    def owners(self) -> int:
        return sum(1 for member in self.members.values() if member.role is MemberRole.OWNER)

    def ordered_members(self) -> list[Member]:
        return sorted(self.members.values(), key=lambda m: (m.joined_at, m.user_id))

    # --- changes -------------------------------------------------------------------------

    def rename(self, *, actor: UUID, name: str, now: datetime) -> None:
        self._require(actor, _MANAGERS, "admin")
        new_name = valid_name(name)
        if new_name == self.name:
            return
        self.name = new_name
        self._touch(now)
        self.record(
            OrganisationRenamed(
                aggregate_id=self.id, occurred_at=now, name=new_name, version=self.version
            )
        )

    def delete(self, *, actor: UUID, now: datetime) -> None:
        self._require(actor, {MemberRole.OWNER}, "owner")
        self.record(OrganisationDeleted(aggregate_id=self.id, occurred_at=now, by=actor))

    def add_member(self, *, user_id: UUID, role: MemberRole, now: datetime) -> None:
        """A user joins (an accepted invitation): the invitation is the authority."""
        if user_id in self.members:
            raise AlreadyMember()
        self.members[user_id] = Member(user_id, role, now)
        self._touch(now)
        self.record(
            MemberJoined(aggregate_id=self.id, occurred_at=now, user_id=user_id, role=role.value)
        )

    def change_role(self, *, actor: UUID, user_id: UUID, role: MemberRole, now: datetime) -> None:
        """Owners and admins change roles; only an owner makes or unmakes an owner."""
        acting = self._require(actor, _MANAGERS, "admin")
        member = self._member(user_id)
        if member.role is role:
            return
        if MemberRole.OWNER in (member.role, role) and acting is not MemberRole.OWNER:
            raise RoleRequired("owner")
        if member.role is MemberRole.OWNER and self.owners() == 1:
            raise LastOwner()
        self.members[user_id] = Member(user_id, role, member.joined_at)
        self._touch(now)
        self.record(
            MemberRoleChanged(
                aggregate_id=self.id, occurred_at=now, user_id=user_id, role=role.value, by=actor
            )
        )

    def remove_member(self, *, actor: UUID, user_id: UUID, now: datetime) -> None:
        """Owners and admins remove members; only an owner removes an owner."""
        acting = self._require(actor, _MANAGERS, "admin")
        member = self._member(user_id)
        if member.role is MemberRole.OWNER and acting is not MemberRole.OWNER:
            raise RoleRequired("owner")
        self._drop(member)
        self.record(MemberRemoved(aggregate_id=self.id, occurred_at=now, user_id=user_id, by=actor))
        self._touch(now)

    def leave(self, *, user_id: UUID, now: datetime) -> None:
        self.role_of(user_id)
        self._drop(self.members[user_id])
        self._touch(now)
        self.record(MemberLeft(aggregate_id=self.id, occurred_at=now, user_id=user_id))

    def transfer_ownership(self, *, actor: UUID, to: UUID, now: datetime) -> None:
        """An owner hands ownership to another member and stays on as an admin."""
        self._require(actor, {MemberRole.OWNER}, "owner")
        target = self._member(to)
        if to == actor:
            raise InvalidValue("user_id", "is already an owner: name another member")
        self.members[to] = Member(to, MemberRole.OWNER, target.joined_at)
        previous = self.members[actor]
        self.members[actor] = Member(actor, MemberRole.ADMIN, previous.joined_at)
        self._touch(now)
        self.record(
            OwnershipTransferred(
                aggregate_id=self.id, occurred_at=now, from_user_id=actor, to_user_id=to
            )
        )

    def require_manager(self, actor: UUID) -> MemberRole:
        """Owners and admins see and revoke invitations."""
        return self._require(actor, _MANAGERS, "admin")

    def check_invitation(self, *, actor: UUID, role: MemberRole) -> None:
        """Owners and admins invite; only an owner invites an owner."""
        if self.require_manager(actor) is not MemberRole.OWNER and role is MemberRole.OWNER:
            raise RoleRequired("owner")

    # --- helpers -------------------------------------------------------------------------

    def _require(
        self, actor: UUID, allowed: set[MemberRole] | frozenset[MemberRole], needed: str
    ) -> MemberRole:
        role = self.role_of(actor)
        if role not in allowed:
            raise RoleRequired(needed)
        return role

    def _member(self, user_id: UUID) -> Member:
        member = self.members.get(user_id)
        if member is None:
            raise MemberNotFound(user_id)
        return member

    def _drop(self, member: Member) -> None:
        if member.role is MemberRole.OWNER and self.owners() == 1:
            raise LastOwner()
        del self.members[member.user_id]
