"""ExportMyData: what the service holds about the caller, for them to take away: the account,
its sessions, and each other context's section (application/shared/personal_data.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.views import SessionView, UserView
from application.shared.personal_data import PersonalDataExport
from application.shared.ports.clock import Clock
from domain.identity.errors import UserNotFound
from domain.identity.principal import Principal


@dataclass(frozen=True, slots=True)
class ExportMyData:
    requester: Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class MyData:
    exported_at: datetime
    account: UserView
    sessions: list[SessionView]
    contexts: dict[str, Any]  # section name -> what that context holds ("orders": [...])


class ExportMyDataHandler:
    def __init__(
        self, uow: IdentityUnitOfWorkFactory, clock: Clock, sections: PersonalDataExport
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sections = sections

    async def __call__(self, query: ExportMyData) -> MyData:
        user_id = query.requester.user_id
        if user_id is None:  # a principal from an external provider, with no account here
            raise UserNotFound(query.requester.subject)
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
            if user is None or user.erased:
                raise UserNotFound(user_id)
            sessions = await uow.sessions.of_user(user_id)
        current = query.requester.session
        return MyData(
            exported_at=now,
            account=UserView.of(user),
            sessions=[SessionView.of(s, current=current) for s in sessions if s.live_at(now)],
            contexts=await self._sections(user_id),
        )
