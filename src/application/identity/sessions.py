"""Starting and ending sessions. A session is a refresh-token family with a record of its device
(domain/identity/session.py); both are written together here, so they never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.identity.refresh_tokens import issue_refresh_token
from application.shared.ports.ids import IdGenerator
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.session import CLIENT_ADDRESS_MAX, Session, trimmed_user_agent


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """Where a sign-in comes from: the User-Agent and the client address, as the request says."""

    user_agent: str = ""
    client_address: str = ""


UNKNOWN_DEVICE = Device()  # a sign-in from outside HTTP (tests, scripts)


async def start_session(
    uow: IdentityUnitOfWork,
    ids: IdGenerator,
    *,
    user_id: UUID,
    device: Device,
    now: datetime,
    lifetime: timedelta,
    session_id: UUID | None = None,
) -> tuple[UUID, str]:
    """A new session and its first refresh token: (session id, the token's only plain copy).

    `session_id`: an existing family that has no session record yet (signed in before sessions
    were recorded); otherwise a new one.
    """
    session_id = ids.new_id() if session_id is None else session_id
    await uow.sessions.add(
        Session(
            id=session_id,
            user_id=user_id,
            user_agent=trimmed_user_agent(device.user_agent),
            client_address=device.client_address[:CLIENT_ADDRESS_MAX],
            created_at=now,
            last_used_at=now,
            expires_at=now + lifetime,
        )
    )
    token = await issue_refresh_token(
        uow.refresh_tokens, ids, user_id=user_id, family_id=session_id, now=now, lifetime=lifetime
    )
    return session_id, token


async def end_session(uow: IdentityUnitOfWork, session: Session, now: datetime) -> None:
    await uow.sessions.revoke([session.id], now)
    await uow.refresh_tokens.revoke_family(session.id, now)


async def end_sessions(
    uow: IdentityUnitOfWork, user_id: UUID, now: datetime, *, keep: UUID | None = None
) -> list[UUID]:
    """End every session of the user but `keep`; returns the ids ended (for AccessRevocations).

    Refresh tokens of families without a session record are revoked all the same.
    """
    ended = [s.id for s in await uow.sessions.of_user(user_id) if s.id != keep]
    await uow.sessions.revoke(ended, now)
    await uow.refresh_tokens.revoke_all_of(user_id, now, keep_family=keep)
    return ended
