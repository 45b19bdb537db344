"""What identity use cases return: plain data, safe to serialize."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.identity.user import User


@dataclass(frozen=True, slots=True)
class UserView:
    id: UUID
    email: str
    roles: tuple[str, ...]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
    email_verified: bool = False

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id,
            email=user.email,
            roles=tuple(sorted(role.value for role in user.roles)),
            active=user.active,
            version=user.version,
            created_at=user.created_at,
            updated_at=user.updated_at,
            email_verified=user.email_verified,
        )


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105
