"""What can go wrong with identity and access."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import (
    Conflict,
    Forbidden,
    InvalidValue,
    NotFound,
    TooMany,
    Unauthenticated,
)


class InvalidCredentials(Unauthenticated):
    """Unknown email, wrong password or disabled account: deliberately one error for all three."""

    code = "invalid-credentials"

    def __init__(self) -> None:
        super().__init__("the email or the password is wrong")


class InvalidToken(Unauthenticated):
    """An access token we cannot accept; `reason` is for logs, never for the client."""

    code = "invalid-token"

    def __init__(self, reason: str) -> None:
        super().__init__("the access token is missing, expired or invalid")
        self.reason = reason


class InvalidRefreshToken(Unauthenticated):
    code = "invalid-refresh-token"

    def __init__(self) -> None:
        super().__init__("the refresh token is unknown, expired, used or revoked")


class MissingPermission(Forbidden):
    code = "forbidden"

    def __init__(self, permission: str) -> None:
        super().__init__(f"this needs the {permission} permission")
        self.permission = permission


class UserNotFound(NotFound):
    code = "user-not-found"

    def __init__(self, user_id: UUID | str) -> None:
        super().__init__(f"user {user_id} does not exist")


class SessionNotFound(NotFound):
    """Unknown, ended, or another user's session: one answer for all three."""

    code = "session-not-found"

    def __init__(self, session_id: UUID) -> None:
        super().__init__(f"session {session_id} does not exist")


class EmailTaken(Conflict):
    code = "email-taken"

    def __init__(self) -> None:
        super().__init__("an account with this email already exists")


class LastAdministrator(Conflict):
    """The change would leave nobody able to manage users; `portico users create-admin` can
    always add another administrator first."""

    code = "last-admin"

    def __init__(self) -> None:
        super().__init__(
            "the last active administrator can be neither demoted, deactivated nor deleted"
        )


class TooManyAttempts(TooMany):
    code = "too-many-attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed attempts; try again in {retry_after} seconds", retry_after=retry_after
        )


class InvalidAccountToken(InvalidValue):
    """A mailed token we cannot accept: unknown, expired or used. One error for all three."""

    code = "invalid-account-token"

    def __init__(self) -> None:
        super().__init__("token", "is unknown, expired or already used; ask for a new link")


class EmailNotVerified(Forbidden):
    """Sign-in refused until the address is verified (PORTICO_UNVERIFIED_SIGN_IN=false); said
    only after the right password, so it tells nobody else whether the account exists."""

    code = "email-not-verified"

    def __init__(self) -> None:
        super().__init__("verify your email address first; you can ask for a new link")


class IdentityAlreadyLinked(Conflict):
    code = "identity-linked"

    def __init__(self) -> None:
        super().__init__("this provider account is linked already (to this or another user)")


class IdentityNotLinked(NotFound):
    code = "identity-not-linked"

    def __init__(self, provider: str) -> None:
        super().__init__(f"no {provider} account is linked to yours")


class LastSignInMethod(Conflict):
    """An account without a password keeps its last linked provider: else nobody could sign in."""

    code = "last-sign-in-method"

    def __init__(self) -> None:
        super().__init__("this is your last way to sign in; set a password first")


class UnknownProvider(NotFound):
    code = "unknown-provider"

    def __init__(self, provider: str) -> None:
        super().__init__(f"no identity provider is called {provider!r} here")


class InvalidSignInState(InvalidValue):
    """The callback's `state` names no sign-in under way: forged, replayed or expired."""

    code = "invalid-sign-in-state"

    def __init__(self) -> None:
        super().__init__("state", "names no sign-in under way (expired, used or forged)")


class ProviderSignInFailed(Unauthenticated):
    """The provider refused, or its answer failed a check; `reason` is for logs only."""

    code = "provider-sign-in-failed"

    def __init__(self, reason: str) -> None:
        super().__init__("the sign-in at the identity provider did not succeed")
        self.reason = reason


class InvalidExchangeCode(InvalidValue):
    code = "invalid-exchange-code"

    def __init__(self) -> None:
        super().__init__("code", "is unknown, expired or already used; sign in again")
