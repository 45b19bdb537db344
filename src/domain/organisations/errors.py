"""What can go wrong with organisations, their members and invitations."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import Conflict, Forbidden, InvalidValue, NotFound


class OrganisationNotFound(NotFound):
    """Also what a non-member is told: nobody learns that another organisation exists."""

    code = "organisation-not-found"

    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(f"organisation {organisation_id} does not exist")
        self.organisation_id = organisation_id


class MemberNotFound(NotFound):
    code = "member-not-found"

    def __init__(self, user_id: UUID) -> None:
        super().__init__(f"user {user_id} is not a member of this organisation")


class InvitationNotFound(NotFound):
    code = "invitation-not-found"

    def __init__(self, invitation_id: UUID) -> None:
        super().__init__(f"invitation {invitation_id} is not pending in this organisation")


class RoleRequired(Forbidden):
    """A member whose role in the organisation does not allow the change."""

    code = "organisation-role-required"

    def __init__(self, needed: str) -> None:
        super().__init__(f"this needs the {needed} role in the organisation")
        self.needed = needed


class LastOwner(Conflict):
    """Every organisation keeps at least one owner."""

    code = "last-owner"

    def __init__(self) -> None:
        super().__init__(
            "the organisation's last owner cannot leave, be demoted or be removed: "
            "make another member an owner first"
        )


class AlreadyMember(Conflict):
    code = "already-member"

    def __init__(self) -> None:
        super().__init__("this user is already a member of the organisation")


class InvalidInvitationToken(InvalidValue):
    """Unknown, expired, used, revoked, or for another address: one error for all of them."""

    code = "invalid-invitation-token"

    def __init__(self) -> None:
        super().__init__(
            "token",
            "is unknown, expired, already used, or for another verified email address",
        )
