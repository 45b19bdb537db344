"""Email addresses: normalized so that one mailbox is one account."""

from __future__ import annotations

import re

from domain.shared.errors import InvalidValue
from domain.shared.white_space import WHITE_SPACE

EMAIL_MAX = 254
# Deliberately simple: one @, no spaces or control characters, a dot in the domain.
_PART = rf"[^@{WHITE_SPACE}\x00-\x1f\x7f]"
EMAIL_PATTERN = rf"{_PART}{{1,64}}@{_PART}+\.{_PART}+"
_EMAIL = re.compile(EMAIL_PATTERN)


def normalize_email(raw: str, *, field: str = "email") -> str:
    """Trimmed and lower-cased; refuses what cannot be a mailbox."""
    email = raw.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise InvalidValue(field, "must be an email address such as ada@example.com")
    return email
