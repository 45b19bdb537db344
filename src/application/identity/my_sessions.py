"""The caller's sessions: list them (the current one marked), end one, or end all the others.

Ending a session revokes its refresh tokens at once and its access tokens as fast as
AccessRevocations learns of it (at once in this process, within one sync elsewhere). Another
user's session answers SessionNotFound, like an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.identity.access_revocations import AccessRevocations
from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.sessions import end_session, end_sessions
from application.identity.views import SessionView
from application.shared.ports.clock import Clock
from domain.identity.errors import SessionNotFound, UserNotFound
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True)
class ListMySessions:
    requester: Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class EndMySession:
    requester: Principal
    session_id: UUID


@dataclass(frozen=True, slots=True)
class EndMyOtherSessions:
    requester: Principal


def _user_id(requester: Principal) -> UUID:
    if requester.user_id is None:  # a principal from an external provider: no sessions here
        raise UserNotFound(requester.subject)
    return requester.user_id


class ListMySessionsHandler:
    def __init__(self, uow: IdentityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, query: ListMySessions) -> list[SessionView]:
        user_id = _user_id(query.requester)
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            sessions = await uow.sessions.of_user(user_id)
        current = query.requester.session
        return [SessionView.of(s, current=current) for s in sessions if s.live_at(now)]


class EndMySessionHandler:
    def __init__(
        self, uow: IdentityUnitOfWorkFactory, clock: Clock, revocations: AccessRevocations
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._revocations = revocations

    async def __call__(self, command: EndMySession) -> None:
        user_id = _user_id(command.requester)
        now = self._clock.now()
        async with self._uow() as uow:
            session = await uow.sessions.get(command.session_id)
            if session is None or session.user_id != user_id or not session.live_at(now):
                raise SessionNotFound(command.session_id)
            await end_session(uow, session, now)
            await uow.commit()
        self._revocations.record_sessions([session.id], now)


class EndMyOtherSessionsHandler:
    """Sign out everywhere else: every session of the caller but the one asking."""

    def __init__(
        self, uow: IdentityUnitOfWorkFactory, clock: Clock, revocations: AccessRevocations
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._revocations = revocations

    async def __call__(self, command: EndMyOtherSessions) -> None:
        user_id = _user_id(command.requester)
        now = self._clock.now()
        async with self._uow() as uow:
            ended = await end_sessions(uow, user_id, now, keep=command.requester.session)
            await uow.commit()
        self._revocations.record_sessions(ended, now)
