"""Request and response bodies of the identity API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from application.identity.views import TokenPair, UserView
from application.shared.pagination import Page

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320, examples=["ada@example.com"])]
Password = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=1024, description="12 or more characters, not a common one"
    ),
]
RefreshTokenText = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
RoleName = Literal["admin", "staff", "customer"]


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class PasswordForm(msgspec.Struct):
    """The OAuth2 password grant's form (RFC 6749, section 4.3): `username` is the email."""

    username: Email
    password: Password
    grant_type: Literal["password"] | None = None
    scope: str | None = None


class RefreshBody(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: RefreshTokenText


class TokenOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> TokenOut:
        return cls(pair.access_token, pair.refresh_token, pair.token_type, pair.expires_in)


class UserOut(msgspec.Struct):
    id: UUID
    email: str
    roles: list[str]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: UserView) -> UserOut:
        return cls(
            id=view.id,
            email=view.email,
            roles=list(view.roles),
            active=view.active,
            version=view.version,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class UserPageOut(msgspec.Struct):
    items: list[UserOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[UserView]) -> UserPageOut:
        return cls([UserOut.of(view) for view in page.items], page.next_cursor)


class AccessChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields present change."""

    roles: (
        Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=3)] | msgspec.UnsetType
    ) = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: Password
