"""AccountToken: a mailed link's secret that proves the holder reads the account's mailbox.

One kind per purpose (verifying the email, resetting the password; and, never mailed, the
challenges of a sign-in's second factor). Only a SHA-256 digest of the random token is kept; a
token works once, until it expires, and using one spends every other token of the same account
and purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 (a purpose's name, not a password)
    # Not mailed: the sign-in challenges of the second factor (docs/identity.md).
    MFA_CHALLENGE = "mfa-challenge"
    MFA_ENROLMENT = "mfa-enrolment"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountToken:
    id: UUID
    user_id: UUID
    purpose: TokenPurpose
    digest: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
