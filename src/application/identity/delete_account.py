"""DeleteAccount: the holder deletes their account (with its password, and a current code or a
recovery code when a second factor is on), or a user manager deletes anyone's.

The account's personal data is erased (User.erase: a tombstone address, no password, no role,
inactive), every session and refresh token ends and the sessions' records (device, address) are
forgotten, the mailed tokens, the second factor and the linked provider accounts are deleted,
and its access tokens are void (AccessRevocations). The id stays, so orders keep naming it.
`AccountDeleted` goes out through identity's outbox for the other contexts. The last active
administrator cannot be deleted (LastAdministrator).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.identity.access_revocations import AccessRevocations
from application.identity.ports import IdentityUnitOfWorkFactory, PasswordHasher
from application.identity.second_factor_check import SecondFactorCheck
from application.shared.ports.clock import Clock
from domain.identity.errors import InvalidCredentials, MissingPermission, UserNotFound
from domain.identity.password_policy import PASSWORD_MAX
from domain.identity.principal import Principal
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Permission
from domain.identity.user import User, ensure_an_admin_remains


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteMyAccount:
    requester: Principal
    password: str
    code: str | None = None
    recovery_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteUser:
    requester: Principal
    user_id: UUID


class DeleteAccountHandler:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        revocations: AccessRevocations,
        check: SecondFactorCheck,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._revocations = revocations
        self._check = check

    async def __call__(self, command: DeleteMyAccount | DeleteUser) -> None:
        if isinstance(command, DeleteUser):
            if not command.requester.can(Permission.USERS_MANAGE):
                raise MissingPermission(Permission.USERS_MANAGE)
            user_id: UUID | None = command.user_id
        else:
            user_id = command.requester.user_id
        if user_id is None:  # a principal from an external provider: no account here
            raise UserNotFound(command.requester.subject)
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None or user.erased:
                raise UserNotFound(user_id)
            if isinstance(command, DeleteMyAccount):
                password = command.password[: PASSWORD_MAX + 1]
                if not await self._hasher.verify(user.password_hash, password):
                    raise InvalidCredentials()
                # With an authenticator on, the password alone deletes nothing.
                await self._check.verify_if_on(
                    await uow.second_factors.get(user.id),
                    code=command.code,
                    recovery_code=command.recovery_code,
                    now=self._clock.now(),
                )
            await self._erase(uow, user)
        self._revocations.record(user.id, user.access_version, user.access_changed_at)

    async def _erase(self, uow: IdentityUnitOfWork, user: User) -> None:
        now = self._clock.now()
        was_admin = user.is_active_admin
        user.erase(now)
        if was_admin:
            ensure_an_admin_remains(user, await uow.users.lock_active_admins())
        await uow.users.update(user)
        await uow.refresh_tokens.revoke_all_of(user.id, now)
        await uow.sessions.forget_user(user.id)
        await uow.account_tokens.forget_user(user.id)
        if (factor := await uow.second_factors.get(user.id)) is not None:
            await uow.second_factors.remove(factor)
        for link in await uow.linked_identities.of_user(user.id):  # its provider accounts
            await uow.linked_identities.remove(user.id, link.provider)
        await uow.commit()
