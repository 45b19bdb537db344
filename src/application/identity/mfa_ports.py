"""Ports of the second factor (TOTP): the authenticator's arithmetic, the keys that seal its
secrets and digest recovery codes, and where failed codes are counted."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.identity.mfa_views import MfaChallenge
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.user import User


class Authenticator(ABC):
    """Time-based one-time codes (RFC 6238: 30-second steps, 6 digits)."""

    @abstractmethod
    def new_secret(self) -> str: ...

    @abstractmethod
    def enrolment_uri(self, secret: str, *, account: str) -> str:
        """The `otpauth://` URI an authenticator app reads (as a QR code, usually)."""

    @abstractmethod
    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time-step `code` is right for, one step of clock drift either way; else None."""


class FactorSecrets(ABC):
    """Seals TOTP secrets at rest (bound to their owner) and digests recovery codes, with keys
    of the server's own: the database alone gives neither away."""

    @abstractmethod
    def seal(self, secret: str, owner: UUID) -> str: ...

    @abstractmethod
    def open(self, sealed: str, owner: UUID) -> str | None:
        """The secret; None when it does not open (another key, another owner, tampered)."""

    @abstractmethod
    def digest(self, recovery_code: str) -> str: ...


class FailureCounter(ABC):
    """Counts failures under a key for a while (shared across processes when the store is)."""

    @abstractmethod
    async def failures(self, key: str) -> int: ...

    @abstractmethod
    async def fail(self, key: str, window_seconds: int) -> int:
        """One more failure, atomically; (re)starts the window. The new count."""

    @abstractmethod
    async def retry_after(self, key: str) -> int | None:
        """Seconds until the count at `key` is forgotten."""

    @abstractmethod
    async def clear(self, key: str) -> None: ...


class SignInChallenges(Protocol):
    """The login's second step (mfa_sign_in.SecondStep): a challenge instead of tokens, or None."""

    async def challenge(
        self, uow: IdentityUnitOfWork, user: User, now: datetime
    ) -> MfaChallenge | None: ...
