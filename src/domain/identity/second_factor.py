"""SecondFactor: an account's TOTP authenticator (RFC 6238) and its recovery codes.

Enrolment makes a *pending* factor (a new secret, shown once); a valid code confirms it and it
becomes *active*, with ten single-use recovery codes. The secret is kept sealed (the store never
sees it in the clear), the recovery codes only as keyed digests. An accepted code's time-step is
remembered: a code is good once, and no older one is accepted after it (RFC 6238 section 5.2).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.identity.events import RecoveryCodesRenewed, SecondFactorDisabled, SecondFactorEnabled
from domain.identity.mfa_errors import InvalidSecondFactorCode, SecondFactorState
from domain.shared.aggregate import VersionedAggregate

RECOVERY_CODE_COUNT = 10


class SecondFactor(VersionedAggregate):
    """Construct with `SecondFactor.enrol`; the constructor rehydrates. One per user."""

    __slots__ = (
        "active",
        "created_at",
        "last_step",
        "recovery_digests",
        "sealed_secret",
        "user_id",
    )

    def __init__(
        self,
        *,
        user_id: UUID,
        sealed_secret: str,
        active: bool,
        last_step: int | None,
        recovery_digests: tuple[str, ...],
        created_at: datetime,
        updated_at: datetime,
        version: int,
    ) -> None:
        self.user_id = user_id
        self.sealed_secret = sealed_secret
        self.active = active
        self.last_step = last_step
        self.recovery_digests = recovery_digests
        self.created_at = created_at
        super().__init__(version=version, updated_at=updated_at)

    @classmethod
    def enrol(cls, *, user_id: UUID, sealed_secret: str, now: datetime) -> SecondFactor:
        factor = cls(
            user_id=user_id,
            sealed_secret=sealed_secret,
            active=False,
            last_step=None,
            recovery_digests=(),
            created_at=now,
            updated_at=now,
            version=1,
        )
        factor._mark_new()
        return factor

    def restart_enrolment(self, *, sealed_secret: str, now: datetime) -> None:
        """A new secret for a factor not confirmed yet (the first one may never have been read)."""
        if self.active:
            raise SecondFactorState("the authenticator is already active; disable it first")
        self.sealed_secret = sealed_secret
        self.last_step = None
        self._touch(now)

    def accept_step(self, step: int, now: datetime) -> None:
        """A code of time-step `step` was right: accept it once, and nothing older after it."""
        if self.last_step is not None and step <= self.last_step:
            raise InvalidSecondFactorCode("code")
        self.last_step = step
        self._touch(now)

    def confirm(self, *, step: int, recovery_digests: tuple[str, ...], now: datetime) -> None:
        """The first right code: the factor is active, with fresh recovery codes."""
        if self.active:
            raise SecondFactorState("the authenticator is already active")
        self.accept_step(step, now)
        self.active = True
        self.recovery_digests = recovery_digests
        self.record(SecondFactorEnabled(aggregate_id=self.user_id, occurred_at=now))

    def use_recovery_code(self, digest: str, now: datetime) -> None:
        """Spend one recovery code (by its digest): each works once."""
        if not self.active or digest not in self.recovery_digests:
            raise InvalidSecondFactorCode("recovery_code")
        self.recovery_digests = tuple(d for d in self.recovery_digests if d != digest)
        self._touch(now)

    def renew_recovery_codes(self, recovery_digests: tuple[str, ...], now: datetime) -> None:
        self._require_active()
        self.recovery_digests = recovery_digests
        self._touch(now)
        self.record(RecoveryCodesRenewed(aggregate_id=self.user_id, occurred_at=now))

    def disable(self, now: datetime) -> None:
        """Recorded before the store forgets the factor."""
        self._require_active()
        self.active = False
        self._touch(now)
        self.record(SecondFactorDisabled(aggregate_id=self.user_id, occurred_at=now))

    def _require_active(self) -> None:
        if not self.active:
            raise SecondFactorState("no active authenticator")
