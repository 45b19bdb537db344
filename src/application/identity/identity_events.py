"""The identity context's events, declared once and published as `identity.<Name>`.

They reach the bus through the identity unit of work's outbox. What consumes them today is the
account mail (SendAccountMail: verification and password reset links); other contexts may
subscribe too. No payload carries a secret: the mailed tokens are made by the consumer.
`PasswordResetRequested` with `known: false` names no user (a fresh id): a reset asked for an
address no account has, recorded so that both answers cost the same work.
"""

from __future__ import annotations

from typing import TypedDict
from uuid import UUID

from application.shared.event_declarations import EventDeclaration
from application.shared.plain_events import declared_in
from domain.identity import events
from domain.identity.events import UserAccessChanged, UserRegistered


class UserRegisteredPayload(TypedDict):
    user_id: UUID
    email: str
    roles: list[str]


class UserAccessChangedPayload(TypedDict):
    """Tokens issued before `access_version` are void; `reason` says what changed."""

    user_id: UUID
    access_version: int
    roles: list[str]
    active: bool
    reason: str


REGISTERED = EventDeclaration(
    event=UserRegistered,
    name="identity.UserRegistered",
    version=1,
    encode=lambda e: {"user_id": str(e.aggregate_id), "email": e.email, "roles": list(e.roles)},
    decode=lambda p, at: UserRegistered(
        aggregate_id=UUID(p["user_id"]), occurred_at=at, email=p["email"], roles=tuple(p["roles"])
    ),
    schema=UserRegisteredPayload,
)

ACCESS_CHANGED = EventDeclaration(
    event=UserAccessChanged,
    name="identity.UserAccessChanged",
    version=1,
    encode=lambda e: {
        "user_id": str(e.aggregate_id),
        "access_version": e.access_version,
        "roles": list(e.roles),
        "active": e.active,
        "reason": e.reason,
    },
    decode=lambda p, at: UserAccessChanged(
        aggregate_id=UUID(p["user_id"]),
        occurred_at=at,
        access_version=p["access_version"],
        roles=tuple(p["roles"]),
        active=p["active"],
        reason=p["reason"],
    ),
    schema=UserAccessChangedPayload,
)

IDENTITY_EVENTS = declared_in("identity", events, REGISTERED, ACCESS_CHANGED, id_key="user_id")
