"""Invitation: an email address asked to join an organisation with a role.

The mailed token is 256 random bits of which only the SHA-256 digest is kept (set when the mail
is made, after the request has answered). An invitation is answered once (accepted, declined)
or revoked; its token works only while it is pending and before `expires_at`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.organisations.errors import InvalidInvitationToken
from domain.organisations.events import (
    InvitationAccepted,
    InvitationDeclined,
    InvitationRevoked,
    MemberInvited,
)
from domain.organisations.organisation import MemberRole
from domain.shared.aggregate import VersionedAggregate
from domain.shared.errors import InvalidValue

# How long an invitation may be answered: a week, fixed (docs/organisations.md).
INVITATION_LIFETIME = timedelta(days=7)
EMAIL_MAX = 254


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"


# Identity's rule for addresses (one @, no spaces or control characters, a dot in the domain),
# with ASCII spaces only, as the API's schema states it: every address a user can verify fits.
_EMAIL = re.compile(r"[^@\x00-\x20\x7f]{1,64}@[^@\x00-\x20\x7f]+\.[^@\x00-\x20\x7f]+")


def valid_email(raw: str) -> str:
    """Trimmed of spaces, kept as written (lower-casing may lengthen it): it is compared with
    the verified address without regard to case."""
    email = raw.strip(" ")
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise InvalidValue("email", "must be an email address such as ada@example.com")
    return email


def same_address(one: str, other: str) -> bool:
    return one.lower() == other.lower()


class Invitation(VersionedAggregate):
    __slots__ = (
        "created_at",
        "digest",
        "email",
        "expires_at",
        "id",
        "invited_by",
        "organisation_id",
        "role",
        "status",
    )

    def __init__(
        self,
        *,
        id: UUID,
        organisation_id: UUID,
        email: str,
        role: MemberRole,
        invited_by: UUID,
        status: InvitationStatus,
        digest: str | None,
        created_at: datetime,
        expires_at: datetime,
        updated_at: datetime,
        version: int,
    ) -> None:
        self.id = id
        self.organisation_id = organisation_id
        self.email = email
        self.role = role
        self.invited_by = invited_by
        self.status = status
        self.digest = digest
        self.created_at = created_at
        self.expires_at = expires_at
        super().__init__(version=version, updated_at=updated_at)

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        organisation_id: UUID,
        email: str,
        role: MemberRole,
        invited_by: UUID,
        now: datetime,
    ) -> Invitation:
        invitation = cls(
            id=id,
            organisation_id=organisation_id,
            email=valid_email(email),
            role=role,
            invited_by=invited_by,
            status=InvitationStatus.PENDING,
            digest=None,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
            updated_at=now,
            version=1,
        )
        invitation._mark_new()
        invitation.record(
            MemberInvited(
                aggregate_id=organisation_id,
                occurred_at=now,
                invitation_id=id,
                role=role.value,
                by=invited_by,
            )
        )
        return invitation

    def pending_at(self, now: datetime) -> bool:
        return self.status is InvitationStatus.PENDING and now < self.expires_at

    def issue(self, *, digest: str, now: datetime) -> None:
        """A new token for the mail: the one mailed before stops working."""
        self.digest = digest
        self._touch(now)

    def accept(self, *, user_id: UUID, email: str | None, now: datetime) -> None:
        self._answer(InvitationStatus.ACCEPTED, email, now)
        self.record(
            InvitationAccepted(
                aggregate_id=self.organisation_id,
                occurred_at=now,
                invitation_id=self.id,
                user_id=user_id,
            )
        )

    def decline(self, *, user_id: UUID, email: str | None, now: datetime) -> None:
        self._answer(InvitationStatus.DECLINED, email, now)
        self.record(
            InvitationDeclined(
                aggregate_id=self.organisation_id,
                occurred_at=now,
                invitation_id=self.id,
                user_id=user_id,
            )
        )

    def revoke(self, *, by: UUID, now: datetime) -> None:
        if self.status is not InvitationStatus.PENDING:
            raise InvalidValue("invitation_id", f"is {self.status.value}, not pending")
        self.status = InvitationStatus.REVOKED
        self.digest = None
        self._touch(now)
        self.record(
            InvitationRevoked(
                aggregate_id=self.organisation_id,
                occurred_at=now,
                invitation_id=self.id,
                by=by,
            )
        )

    def _answer(self, status: InvitationStatus, email: str | None, now: datetime) -> None:
        """`email` is the answering user's verified address (None when not verified)."""
        if not self.pending_at(now) or email is None or not same_address(email, self.email):
            raise InvalidInvitationToken()
        self.status = status
        self.digest = None  # single use: the token finds nothing any more
        self._touch(now)
