"""Request and response bodies of the organisations API (msgspec: fast, and typed in OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec

from application.organisations.views import InvitationView, MemberView, OrganisationView
from application.shared.pagination import Page
from domain.organisations.invitation import EMAIL_MAX
from domain.organisations.organisation import NAME_MAX
from entrypoints.http.patterns import pattern

# The domain's rules (domain/organisations), so the decoder refuses what they would.
Name = Annotated[
    str,
    msgspec.Meta(
        # One line of printable text, not blank.
        pattern=pattern(
            r"^[^\x00-\x1f\x7f]*[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$",
            "one line of text, not blank, without control characters",
        ),
        max_length=NAME_MAX,
        examples=["Tea Importers Ltd"],
    ),
]
Email = Annotated[
    str,
    msgspec.Meta(
        # Surrounding spaces are trimmed (the trimmed address has at most EMAIL_MAX).
        pattern=pattern(
            r"^ *[^@\x00-\x20\x7f]{1,64}@[^@\x00-\x20\x7f]+\.[^@\x00-\x20\x7f]+ *$",
            "an email address, such as grace@example.com",
        ),
        max_length=EMAIL_MAX,
        examples=["grace@example.com"],
    ),
]
RoleName = Literal["owner", "admin", "member"]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class NewOrganisation(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"name": "Tea Importers Ltd"}
    name: Name


class OrganisationChanges(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"name": "Tea & Coffee Importers Ltd"}
    name: Name


class RoleChange(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"role": "admin"}
    role: RoleName


class OwnershipTransfer(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"user_id": "0192a5b0-7c3e-7def-8000-0000000000a1"}
    user_id: UUID


class NewInvitation(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"email": "grace@example.com", "role": "member"}
    email: Email
    role: RoleName = "member"


class InvitationAnswer(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"token": "the token from the invitation's link"}
    token: Token


class OrganisationOut(msgspec.Struct):
    id: UUID
    name: str
    members: int
    my_role: str | None  # owner, admin or member; null for a platform admin outside it
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: OrganisationView) -> OrganisationOut:
        return cls(
            id=view.id,
            name=view.name,
            members=view.members,
            my_role=view.my_role,
            version=view.version,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class OrganisationPageOut(msgspec.Struct):
    items: list[OrganisationOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[OrganisationView]) -> OrganisationPageOut:
        return cls([OrganisationOut.of(view) for view in page.items], page.next_cursor)


class MemberOut(msgspec.Struct):
    user_id: UUID
    role: str
    joined_at: datetime

    @classmethod
    def of(cls, view: MemberView) -> MemberOut:
        return cls(view.user_id, view.role, view.joined_at)


class MemberPageOut(msgspec.Struct):
    items: list[MemberOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[MemberView]) -> MemberPageOut:
        return cls([MemberOut.of(view) for view in page.items], page.next_cursor)


class InvitationOut(msgspec.Struct):
    id: UUID
    organisation_id: UUID
    email: str
    role: str
    invited_by: UUID
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, view: InvitationView) -> InvitationOut:
        return cls(
            id=view.id,
            organisation_id=view.organisation_id,
            email=view.email,
            role=view.role,
            invited_by=view.invited_by,
            created_at=view.created_at,
            expires_at=view.expires_at,
        )


class InvitationPageOut(msgspec.Struct):
    items: list[InvitationOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[InvitationView]) -> InvitationPageOut:
        return cls([InvitationOut.of(view) for view in page.items], page.next_cursor)
