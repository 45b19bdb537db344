"""The bodies of social sign-in and linked identities."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

import msgspec

from application.identity.linked_identities import LinkedIdentityView


class SignInCodeBody(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"code": "Vb3q...one-time"}
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class LinkedIdentityOut(msgspec.Struct):
    provider: str
    email: str
    linked_at: datetime

    @classmethod
    def of(cls, view: LinkedIdentityView) -> LinkedIdentityOut:
        return cls(view.provider, view.email, view.linked_at)
