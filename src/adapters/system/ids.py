from __future__ import annotations

import os
import time
from uuid import UUID

from application.shared.ports.ids import IdGenerator


class Uuid7Generator(IdGenerator):
    """Time-ordered UUIDv7 (RFC 9562): new rows land at the end of the primary-key index."""

    def new_id(self) -> UUID:
        millis = time.time_ns() // 1_000_000
        value = (millis & 0xFFFF_FFFF_FFFF) << 80
        value |= int.from_bytes(os.urandom(10)) & ((1 << 80) - 1)
        value &= ~(0xF << 76)
        value |= 0x7 << 76  # version 7
        value &= ~(0x3 << 62)
        value |= 0x2 << 62  # RFC 9562 variant
        return UUID(int=value)
