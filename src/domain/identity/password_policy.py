"""The password policy: long enough, not the email, not a common password."""

from __future__ import annotations

from domain.identity.common_passwords import COMMON_PASSWORDS
from domain.shared.errors import InvalidValue

PASSWORD_MIN = 12
# Past this, hashing is just work for an attacker to make us do.
PASSWORD_MAX = 256


def check_password(password: str, *, email: str, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN:
        raise InvalidValue(field, f"must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise InvalidValue(field, f"must be at most {PASSWORD_MAX} characters")
    folded = password.casefold()
    local_part = email.split("@", 1)[0]
    if folded == email.casefold() or folded == local_part.casefold():
        raise InvalidValue(field, "must not be your email")
    if folded in COMMON_PASSWORDS:
        raise InvalidValue(field, "is too common; choose another")
