"""ChangeUserAccess: a user manager changes someone's roles or deactivates/reactivates them.

The change voids the user's access tokens at once (through AccessRevocations) and, for a
deactivation, ends every session (all refresh tokens). The last active administrator can be
neither demoted nor deactivated (LastAdministrator), so someone can always manage users.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.identity.access_revocations import AccessRevocations
from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.sessions import end_sessions
from application.identity.views import UserView
from application.shared.ports.clock import Clock
from domain.identity.errors import MissingPermission, UserNotFound
from domain.identity.principal import Principal
from domain.identity.roles import Permission, Role
from domain.identity.user import ensure_an_admin_remains
from domain.shared.errors import InvalidValue, StaleVersion


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeUserAccess:
    requester: Principal
    user_id: UUID
    roles: frozenset[Role] | None = None
    active: bool | None = None
    expected_version: int | None = None


class ChangeUserAccessHandler:
    def __init__(
        self, uow: IdentityUnitOfWorkFactory, clock: Clock, revocations: AccessRevocations
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._revocations = revocations

    async def __call__(self, command: ChangeUserAccess) -> UserView:
        if not command.requester.can(Permission.USERS_MANAGE):
            raise MissingPermission(Permission.USERS_MANAGE)
        if command.requester.owns(command.user_id) and command.active is False:
            raise InvalidValue("active", "you cannot deactivate yourself")
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get(command.user_id)
            if user is None or user.erased:  # a deleted account stays deleted
                raise UserNotFound(command.user_id)
            if command.expected_version is not None and command.expected_version != user.version:
                raise StaleVersion(command.expected_version, user.version)
            was_admin = user.is_active_admin
            if user.change_access(now=now, roles=command.roles, active=command.active):
                if was_admin and not user.is_active_admin:
                    ensure_an_admin_remains(user, await uow.users.lock_active_admins())
                await uow.users.update(user)
                if not user.active:
                    await end_sessions(uow, user.id, now)
                await uow.commit()
                self._revocations.record(user.id, user.access_version, now)
        return UserView.of(user)
