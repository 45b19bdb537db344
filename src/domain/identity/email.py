"""Email addresses: normalized so that one mailbox is one account."""

from __future__ import annotations

import re

from domain.shared.errors import InvalidValue

EMAIL_MAX = 254
# Deliberately simple: one @, no spaces or control characters, a dot in the domain.
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")


def normalize_email(raw: str, *, field: str = "email") -> str:
    """Trimmed and lower-cased; refuses what cannot be a mailbox."""
    email = raw.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise InvalidValue(field, "must be an email address such as ada@example.com")
    return email
