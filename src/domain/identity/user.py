"""The User aggregate: an account, its roles, and whether it may sign in."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from domain.identity.errors import LastAdministrator
from domain.identity.events import (
    AccountDeleted,
    EmailChanged,
    EmailVerificationRequested,
    EmailVerified,
    PasswordResetRequested,
    SignUpRepeated,
    UserAccessChanged,
    UserRegistered,
)
from domain.identity.roles import Role
from domain.shared.aggregate import VersionedAggregate
from domain.shared.errors import InvalidValue


class User(VersionedAggregate):
    """Construct new users with `User.register`; the constructor rehydrates.

    `access_version` moves on whenever what the user's tokens prove stops being true (roles,
    activity, password); tokens carry the version they were issued at, so older ones are refused.
    """

    __slots__ = (
        "access_changed_at",
        "access_version",
        "active",
        "created_at",
        "email",
        "email_verified_at",
        "id",
        "password_hash",
        "roles",
    )

    def __init__(
        self,
        *,
        id: UUID,
        email: str,
        password_hash: str,
        roles: frozenset[Role],
        active: bool,
        access_version: int,
        access_changed_at: datetime,
        created_at: datetime,
        updated_at: datetime,
        version: int,
        email_verified_at: datetime | None = None,
    ) -> None:
        self.id = id
        self.email = email
        self.password_hash = password_hash
        self.roles = roles
        self.active = active
        self.access_version = access_version
        self.access_changed_at = access_changed_at
        self.created_at = created_at
        self.email_verified_at = email_verified_at
        super().__init__(version=version, updated_at=updated_at)

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        email: str,
        password_hash: str,
        roles: frozenset[Role],
        now: datetime,
        email_verified: bool = False,
    ) -> User:
        """`email` must be normalized and the password checked against the policy already.

        `email_verified`: someone vouches for the address (the operator making an account).
        """
        if not roles:
            raise InvalidValue("roles", "a user needs at least one role")
        user = cls(
            id=id,
            email=email,
            password_hash=password_hash,
            roles=roles,
            active=True,
            access_version=1,
            access_changed_at=now,
            created_at=now,
            updated_at=now,
            version=1,
            email_verified_at=now if email_verified else None,
        )
        user._mark_new()
        user.record(
            UserRegistered(aggregate_id=id, occurred_at=now, email=email, roles=_names(roles))
        )
        return user

    def change_access(
        self, *, now: datetime, roles: frozenset[Role] | None = None, active: bool | None = None
    ) -> bool:
        """Change roles and/or activity; returns whether anything changed."""
        if roles is not None and not roles:
            raise InvalidValue("roles", "a user needs at least one role")
        reasons = []
        if roles is not None and roles != self.roles:
            self.roles = roles
            reasons.append("roles")
        if active is not None and active != self.active:
            self.active = active
            reasons.append("activated" if active else "deactivated")
        if reasons:
            self._access_changed(now, ", ".join(reasons))
        return bool(reasons)

    def erase(self, now: datetime) -> None:
        """Delete the account: the address becomes a tombstone nobody can receive mail at (so
        the real one may sign up again), the password hash goes, no role, inactive; its tokens
        are void (the access version moves on). The id stays: orders keep naming it."""
        self.email = tombstone_email(self.id)
        self.password_hash = ""  # no argon2 hash: no password matches
        self.roles = frozenset()
        self.active = False
        self.email_verified_at = None
        self._touch(now)
        self.access_version += 1
        self.access_changed_at = now
        self.record(AccountDeleted(aggregate_id=self.id, occurred_at=now))

    @property
    def erased(self) -> bool:
        """Only a deleted account has no role (every other change needs one)."""
        return not self.roles

    @property
    def is_active_admin(self) -> bool:
        return self.active and Role.ADMIN in self.roles

    def change_password(self, *, password_hash: str, now: datetime) -> None:
        self.password_hash = password_hash
        self._access_changed(now, "password")

    def change_own_password(self, *, password_hash: str, now: datetime) -> None:
        """The holder, signed in, changed it: the use case ends their other sessions one by one
        and the one that asked goes on, so the access version stays."""
        self.password_hash = password_hash
        self._touch(now)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def request_email_verification(self, now: datetime) -> bool:
        """Ask for a verification mail; False (and nothing asked) when already verified."""
        if self.email_verified:
            return False
        self.record(EmailVerificationRequested(aggregate_id=self.id, occurred_at=now))
        return True

    def change_email(self, email: str, now: datetime) -> None:
        """The holder's new address (normalized): the account's from now on, unverified until
        the link mailed to it is used; the previous address is told."""
        if email == self.email:
            raise InvalidValue("new_email", "is already the account's address")
        previous, self.email, self.email_verified_at = self.email, email, None
        self._touch(now)
        self.record(EmailChanged(aggregate_id=self.id, occurred_at=now, previous_email=previous))
        self.request_email_verification(now)

    def sign_up_repeated(self, now: datetime) -> None:
        """Someone signed up with this account's address: a verification mail again if it is
        not verified yet (the owner may have lost the first), else a mail saying so."""
        if not self.request_email_verification(now):
            self.record(SignUpRepeated(aggregate_id=self.id, occurred_at=now))

    def verify_email(self, now: datetime) -> None:
        """The holder of a mailed token proved they read this address."""
        if self.email_verified_at is None:
            self.email_verified_at = now
            self._touch(now)
            self.record(EmailVerified(aggregate_id=self.id, occurred_at=now))

    def request_password_reset(self, now: datetime) -> None:
        self.record(PasswordResetRequested(aggregate_id=self.id, occurred_at=now, known=True))

    def reset_password(self, *, password_hash: str, now: datetime) -> None:
        """A mailed reset token was used: the password changes, and the address is proven."""
        self.verify_email(now)
        self.change_password(password_hash=password_hash, now=now)

    def rehash_password(self, *, password_hash: str, now: datetime) -> None:
        """Same password, stronger hash parameters: tokens stay valid."""
        self.password_hash = password_hash
        self._touch(now)

    def _access_changed(self, now: datetime, reason: str) -> None:
        self._touch(now)
        self.access_version += 1
        self.access_changed_at = now
        self.record(
            UserAccessChanged(
                aggregate_id=self.id,
                occurred_at=now,
                access_version=self.access_version,
                roles=_names(self.roles),
                active=self.active,
                reason=reason,
            )
        )


def tombstone_email(user_id: UUID) -> str:
    """A deleted account's address: `.invalid` is reserved (RFC 2606), so no mail goes there."""
    return f"deleted-{user_id.hex}@deleted.invalid"


def ensure_an_admin_remains(user: User, active_admins: Collection[UUID]) -> None:
    """Refuse a change that leaves no active administrator.

    `user` is the changed user; `active_admins` are the stored active administrators, read (and
    locked, see UserRepository.lock_active_admins) in the same unit of work.
    """
    if not user.is_active_admin and not any(admin != user.id for admin in active_admins):
        raise LastAdministrator()


def _names(roles: frozenset[Role]) -> tuple[str, ...]:
    return tuple(sorted(role.value for role in roles))
