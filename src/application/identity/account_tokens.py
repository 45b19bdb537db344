"""Making mailed account tokens: 256 random bits, of which only a SHA-256 digest is stored."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from uuid import UUID

from application.identity.refresh_tokens import TOKEN_BYTES, TOKEN_TEXT_MAX, digest
from application.shared.ports.ids import IdGenerator
from domain.identity.account_token import AccountToken, TokenPurpose
from domain.identity.errors import InvalidAccountToken
from domain.identity.repository import AccountTokenStore


async def issue_account_token(
    store: AccountTokenStore,
    ids: IdGenerator,
    *,
    user_id: UUID,
    purpose: TokenPurpose,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """Store a new token and return its only plain copy (for the mail)."""
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    await store.add(
        AccountToken(
            id=ids.new_id(),
            user_id=user_id,
            purpose=purpose,
            digest=digest(plain),
            issued_at=now,
            expires_at=now + lifetime,
        )
    )
    return plain


async def usable_token(
    store: AccountTokenStore, plain: str, purpose: TokenPurpose, now: datetime
) -> AccountToken:
    """The stored token `plain` is, if it may still be used; InvalidAccountToken otherwise."""
    if not plain or len(plain) > TOKEN_TEXT_MAX:
        raise InvalidAccountToken()
    found = await store.find(digest(plain), purpose)
    if found is None or not found.usable_at(now):
        raise InvalidAccountToken()
    return found
