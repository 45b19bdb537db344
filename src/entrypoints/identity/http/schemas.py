"""Request and response bodies of the identity API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec

from application.identity.export_my_data import MyData
from application.identity.views import SessionView, TokenPair, UserView
from application.shared.pagination import Page
from domain.identity.email import EMAIL_MAX, EMAIL_PATTERN
from domain.identity.password_policy import PASSWORD_MAX, PASSWORD_MIN
from domain.shared.white_space import WHITE_SPACE
from entrypoints.http.patterns import pattern

Email = Annotated[
    str,
    msgspec.Meta(
        # The domain's rule (domain/identity/email.py), so the decoder refuses what it would.
        # Surrounding spaces are trimmed.
        pattern=pattern(
            rf"^[{WHITE_SPACE}]*{EMAIL_PATTERN}[{WHITE_SPACE}]*$",
            "an email address, such as ada@example.com",
        ),
        max_length=EMAIL_MAX,
        examples=["ada@example.com"],
    ),
]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
# A new password: the policy's length here; "not the email, not a common one" only it can say.
NewPassword = Annotated[
    str,
    msgspec.Meta(
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        description=f"{PASSWORD_MIN} or more characters, not the email, not a common one",
    ),
]
RefreshTokenText = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
RoleName = Literal["admin", "staff", "customer"]


# A code from the authenticator, or one of the recovery codes (the second factor).
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=16, examples=["123456"])]
RecoveryCode = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "email": "ada@example.com",
        "password": "correct horse battery",
    }
    email: Email
    password: Password


class NewAccount(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "email": "ada@example.com",
        "password": "correct horse battery",
    }
    email: Email
    password: NewPassword


class PasswordForm(msgspec.Struct):
    """The OAuth2 password grant's form (RFC 6749, section 4.3): `username` is the email."""

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "username": "ada@example.com",
        "password": "correct horse battery",
        "grant_type": "password",
    }
    username: Email
    password: Password
    # A form has no null: a field is there or not.
    grant_type: Literal["password"] | msgspec.UnsetType = msgspec.UNSET
    scope: str | msgspec.UnsetType = msgspec.UNSET


class RefreshBody(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"refresh_token": "rt_3q2+7w..."}
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
    email_verified: bool

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
            email_verified=view.email_verified,
        )


class UserPageOut(msgspec.Struct):
    items: list[UserOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[UserView]) -> UserPageOut:
        return cls([UserOut.of(view) for view in page.items], page.next_cursor)


class AccessChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields present change."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"roles": ["staff"], "active": True}
    roles: (
        Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=3)] | msgspec.UnsetType
    ) = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "current_password": "correct horse battery",
        "new_password": "a longer secret phrase",
    }
    current_password: Password
    new_password: NewPassword


class EmailChange(msgspec.Struct, forbid_unknown_fields=True):
    """The password, the new address, and with a second factor on, `code` or `recovery_code`."""

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "password": "correct horse battery",
        "new_email": "ada.lovelace@example.com",
    }
    password: Password
    new_email: Email
    code: Code | None = None
    recovery_code: RecoveryCode | None = None


# A mailed token: 43 URL-safe characters; the length allows a little slack.
AccountTokenText = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class EmailBody(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"email": "ada@example.com"}
    email: Email


class PasswordReset(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "token": "8fQv0sWm3mB0yDqJ5cQk9nq7Zr1xT2uE4wH6pL8aN0s",
        "new_password": "a longer secret phrase",
    }
    token: AccountTokenText
    new_password: NewPassword


class TokenBody(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"token": "8fQv0sWm3mB0yDqJ5cQk9nq7Zr1xT2uE4wH6pL8aN0s"}
    token: AccountTokenText


class AcceptedOut(msgspec.Struct):
    """The same for every address: whether an account has it is not said."""

    detail: str


class SessionOut(msgspec.Struct):
    """A session: `device` is a short name made from `user_agent`; `current` marks the one the
    request's access token belongs to."""

    id: UUID
    device: str
    user_agent: str
    client_address: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool

    @classmethod
    def of(cls, view: SessionView) -> SessionOut:
        return cls(
            id=view.id,
            device=view.device,
            user_agent=view.user_agent,
            client_address=view.client_address,
            created_at=view.created_at,
            last_used_at=view.last_used_at,
            expires_at=view.expires_at,
            current=view.current,
        )


class SessionListOut(msgspec.Struct):
    items: list[SessionOut]


class AccountDeletion(msgspec.Struct, forbid_unknown_fields=True):
    """The password, and with a second factor on, `code` (from the authenticator) or
    `recovery_code`."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"password": "correct horse battery"}
    password: Password
    code: Code | None = None
    recovery_code: RecoveryCode | None = None


class MyDataOut(msgspec.Struct):
    """What the service holds about you: `contexts` has one section per context that keeps data
    about its users (`orders`: your orders)."""

    exported_at: datetime
    account: UserOut
    sessions: list[SessionOut]
    contexts: dict[str, Any]

    @classmethod
    def of(cls, data: MyData) -> MyDataOut:
        return cls(
            exported_at=data.exported_at,
            account=UserOut.of(data.account),
            sessions=[SessionOut.of(view) for view in data.sessions],
            contexts=data.contexts,
        )
