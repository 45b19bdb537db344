"""Invitation tokens: 256 random bits, of which only a SHA-256 digest is stored.

A fast digest is right here (unlike passwords): the token is random, so there is nothing to
guess. The same shape as identity's account tokens, kept here so the contexts stay apart.
"""

from __future__ import annotations

import hashlib
import secrets

from domain.organisations.errors import InvalidInvitationToken
from domain.organisations.invitation import Invitation
from domain.organisations.repository import InvitationRepository

TOKEN_BYTES = 32
TOKEN_TEXT_MAX = 100  # longer input is not one of ours: refused before hashing


def new_token() -> tuple[str, str]:
    """A fresh token and its digest: the plain one goes in the mail only."""
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    return plain, digest(plain)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def invitation_for(invitations: InvitationRepository, plain: str) -> Invitation:
    """The invitation whose current token `plain` is; InvalidInvitationToken otherwise (the
    invitation itself says whether it may still be answered, and by whom)."""
    if not plain or len(plain) > TOKEN_TEXT_MAX:
        raise InvalidInvitationToken()
    found = await invitations.find(digest(plain))
    if found is None:
        raise InvalidInvitationToken()
    return found
