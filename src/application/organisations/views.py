"""What the organisations use cases return (plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.organisations.invitation import Invitation
from domain.organisations.organisation import Member, Organisation


@dataclass(frozen=True, slots=True)
class OrganisationView:
    id: UUID
    name: str
    members: int
    version: int
    created_at: datetime
    updated_at: datetime
    my_role: str | None  # None for a platform admin who is not a member

    @classmethod
    def of(cls, organisation: Organisation, viewer: UUID | None) -> OrganisationView:
        member = organisation.members.get(viewer) if viewer else None
        return cls(
            id=organisation.id,
            name=organisation.name,
            members=len(organisation.members),
            version=organisation.version,
            created_at=organisation.created_at,
            updated_at=organisation.updated_at,
            my_role=member.role.value if member else None,
        )


@dataclass(frozen=True, slots=True)
class MemberView:
    user_id: UUID
    role: str
    joined_at: datetime

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(member.user_id, member.role.value, member.joined_at)


@dataclass(frozen=True, slots=True)
class InvitationView:
    id: UUID
    organisation_id: UUID
    email: str
    role: str
    invited_by: UUID
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationView:
        return cls(
            id=invitation.id,
            organisation_id=invitation.organisation_id,
            email=invitation.email,
            role=invitation.role.value,
            invited_by=invitation.invited_by,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
        )
