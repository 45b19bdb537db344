"""RefreshToken: one link of a sign-in session's chain of refresh tokens.

Only a digest of the token is kept. Each use replaces the token with a new one of the same
`family` (one family per sign-in); presenting a token that was already used means it was stolen
(or the client is broken), so the whole family is revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshToken:
    id: UUID
    family_id: UUID
    user_id: UUID
    digest: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at
