"""What identity use cases return: plain data, safe to serialize."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.identity.session import Session
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


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionView:
    id: UUID
    device: str
    user_agent: str
    client_address: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool

    @classmethod
    def of(cls, session: Session, *, current: UUID | None) -> SessionView:
        return cls(
            id=session.id,
            device=session.device,
            user_agent=session.user_agent,
            client_address=session.client_address,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.expires_at,
            current=session.id == current,
        )


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105
