"""SessionController: /api/v1/users/me/sessions. Your sessions (sign-ins), and ending them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, delete, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from application.identity.my_sessions import (
    EndMyOtherSessions,
    EndMyOtherSessionsHandler,
    EndMySession,
    EndMySessionHandler,
    ListMySessions,
    ListMySessionsHandler,
)
from entrypoints.http.openapi import problem_responses
from entrypoints.http.security.authentication import principal
from entrypoints.identity.http.schemas import SessionListOut, SessionOut

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


class SessionController(Controller):
    path = "/api/v1/users/me/sessions"
    tags = ["identity"]
    security = BEARER

    @get(operation_id="listMySessions", summary="List your sessions")
    async def list(
        self,
        request: Request[Any, Any, Any],
        list_my_sessions: NamedDependency[ListMySessionsHandler],
    ) -> SessionListOut:
        """Where you are signed in, newest first; `current` marks this request's session."""
        views = await list_my_sessions(ListMySessions(principal(request)))
        return SessionListOut([SessionOut.of(view) for view in views])

    @delete(
        "/{session_id:uuid}",
        operation_id="endMySession",
        summary="Sign out one of your sessions",
        responses=problem_responses(404),
    )
    async def end_one(
        self,
        request: Request[Any, Any, Any],
        session_id: FromPath[UUID],
        end_my_session: NamedDependency[EndMySessionHandler],
    ) -> None:
        """End one of your sessions: its refresh token stops working at once, its access tokens
        within PORTICO_AUTH_REVOCATION_SYNC seconds. Another user's session answers 404."""
        await end_my_session(EndMySession(requester=principal(request), session_id=session_id))

    @delete(operation_id="endMyOtherSessions", summary="Sign out everywhere else")
    async def end_others(
        self,
        request: Request[Any, Any, Any],
        end_my_other_sessions: NamedDependency[EndMyOtherSessionsHandler],
    ) -> None:
        """End every session of yours but the one this request comes from."""
        await end_my_other_sessions(EndMyOtherSessions(principal(request)))
