"""Facts about organisations, their members and invitations (published as plain events).

Every event names the organisation as its aggregate; invitation events name the invitation too.
An invitation's email address stays out of the events (and so out of the bus and the audit log):
the mail consumer reads it from the invitation.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganisationCreated(DomainEvent):
    name: str
    owner_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganisationRenamed(DomainEvent):
    name: str
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganisationDeleted(DomainEvent):
    by: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(DomainEvent):
    user_id: UUID
    role: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberRoleChanged(DomainEvent):
    user_id: UUID
    role: str
    by: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberRemoved(DomainEvent):
    user_id: UUID
    by: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(DomainEvent):
    user_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnershipTransferred(DomainEvent):
    from_user_id: UUID
    to_user_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberInvited(DomainEvent):
    """The mail consumer (application/organisations/send_invitation_mail.py) reacts to it."""

    invitation_id: UUID
    role: str
    by: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class InvitationAccepted(DomainEvent):
    invitation_id: UUID
    user_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class InvitationDeclined(DomainEvent):
    invitation_id: UUID
    user_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class InvitationRevoked(DomainEvent):
    invitation_id: UUID
    by: UUID
