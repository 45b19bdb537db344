"""Principal: who is calling, as proved by a verified access token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.identity.roles import Permission, Role, permissions_of


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """`subject` is our user id for local tokens, the provider's `sub` for external ones.

    `access_version` is the user's access version when the token was issued (local tokens only):
    a token whose version is older than the user's current one was issued before a role change,
    a deactivation or a password reset, and is refused. `session_id` is the session the token
    belongs to (local tokens only): a revoked session's tokens are refused too.
    """

    subject: str
    roles: frozenset[Role]
    token_id: str
    expires_at: datetime
    access_version: int | None = None
    session_id: str | None = None
    permissions: frozenset[Permission] = field(init=False)
    # Our user id, when the subject is one of our users (parsed once: a verified token's
    # principal is kept and asked on each of its requests).
    user_id: UUID | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permissions", permissions_of(self.roles))
        object.__setattr__(self, "user_id", _uuid_or_none(self.subject))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def session(self) -> UUID | None:
        """The session of the token, when it names one of ours."""
        try:
            return None if self.session_id is None else UUID(self.session_id)
        except ValueError:
            return None

    def owns(self, owner_id: UUID | str) -> bool:
        return self.subject == str(owner_id)

    def may_see(self, owner_id: UUID | str, *, any_permission: Permission) -> bool:
        """The ownership rule: your own resources, or anybody's with `any_permission`.

        Callers answer NotFound (never Forbidden) when this is false, so nobody learns that
        another user's resource exists.
        """
        return self.owns(owner_id) or self.can(any_permission)


def _uuid_or_none(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
