"""Keyset pagination: a page of items and an opaque cursor to the next one."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from domain.shared.errors import InvalidValue

MAX_PAGE_SIZE = 100
T = TypeVar("T")


# weakref_slot: the HTTP side renders a cached page once (entrypoints/http/rendered.py).
@dataclass(frozen=True, slots=True, weakref_slot=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidValue("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
    return limit


def encode_cursor(created_at: datetime, item_id: UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(item_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The position a cursor names; a cursor we did not make is an InvalidValue of `cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, item_id = json.loads(raw)
        position = datetime.fromisoformat(created_at), UUID(item_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidValue("cursor", "is not a cursor this API returned") from None
    if position[0].tzinfo is None:
        raise InvalidValue("cursor", "is not a cursor this API returned")
    return position
