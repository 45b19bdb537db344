"""Session: one sign-in, i.e. one refresh-token family, as its owner sees it in their list.

The session's id is the family's id; access tokens carry it (`sid`), so the API knows which
session a request comes from. A session lives while it is not revoked and its newest refresh
token has not expired; every refresh moves `last_used_at` and `expires_at` on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

# What a User-Agent may take of a row: longer ones are cut, not refused (the client sent it).
USER_AGENT_MAX = 256
CLIENT_ADDRESS_MAX = 64

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def trimmed_user_agent(raw: str | None) -> str:
    """The User-Agent as it is kept: control characters dropped, space-trimmed, cut short."""
    return _CONTROL.sub(" ", raw or "").strip()[:USER_AGENT_MAX]


def device_label(user_agent: str) -> str:
    """A short name a person recognises ("Firefox on Linux"); "Unknown device" when in doubt."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    id: UUID
    user_id: UUID
    user_agent: str
    client_address: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def live_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    @property
    def device(self) -> str:
        return device_label(self.user_agent)
