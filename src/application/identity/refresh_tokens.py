"""Making and finding refresh tokens: 256 random bits, of which only a SHA-256 digest is stored.

A fast digest is right here (unlike passwords): the token is random, so there is nothing to guess.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from uuid import UUID

from application.shared.ports.ids import IdGenerator
from domain.identity.refresh_token import RefreshToken
from domain.identity.repository import RefreshTokenStore

TOKEN_BYTES = 32
# A token is 43 URL-safe characters; anything much longer is not ours and is not even hashed.
TOKEN_TEXT_MAX = 64


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_refresh_token(
    store: RefreshTokenStore,
    ids: IdGenerator,
    *,
    user_id: UUID,
    family_id: UUID,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """Store a new token of the family and return its only plain copy."""
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    await store.add(
        RefreshToken(
            id=ids.new_id(),
            family_id=family_id,
            user_id=user_id,
            digest=digest(plain),
            issued_at=now,
            expires_at=now + lifetime,
        )
    )
    return plain
