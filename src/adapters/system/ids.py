from __future__ import annotations

import os
import time
from uuid import UUID

from application.shared.ports.ids import IdGenerator

# RFC 9562's layout: 48 bits of Unix milliseconds, the version (7) in bits 76-79, the variant
# (0b10) in bits 62-63, the other 74 bits random. The masks are made once, not per id.
_RANDOM = ((1 << 80) - 1) & ~(0xF << 76) & ~(0x3 << 62)
_VERSION_AND_VARIANT = (0x7 << 76) | (0x2 << 62)


class Uuid7Generator(IdGenerator):
    """Time-ordered UUIDv7 (RFC 9562): new rows land at the end of the primary-key index."""

    def new_id(self) -> UUID:
        millis = (time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF
        random = int.from_bytes(os.urandom(10)) & _RANDOM
        return UUID(int=(millis << 80) | random | _VERSION_AND_VARIANT)
