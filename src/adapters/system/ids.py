from __future__ import annotations

import os
import time
from uuid import UUID

from application.shared.ports.ids import IdGenerator

# RFC 9562's layout: 48 bits of Unix milliseconds, the version (7) in bits 76-79, the variant
# (0b10) in bits 62-63, the other 74 bits random. The masks are made once, not per id.
_RANDOM = ((1 << 80) - 1) & ~(0xF << 76) & ~(0x3 << 62)
_VERSION_AND_VARIANT = (0x7 << 76) | (0x2 << 62)
# The random bits are drawn 256 ids at a time: `os.urandom` is a getrandom system call, two per
# product create (its id and its event's), 0.04 calls per id so (bench/README.md, session 16;
# RequestContext draws its request ids so too). A forked process never repeats its parent's.
_IDS_PER_DRAW = 256
_randoms: list[int] = []
if hasattr(os, "register_at_fork"):  # Windows has no fork
    os.register_at_fork(after_in_child=_randoms.clear)


def _random_bits() -> int:
    try:
        return _randoms.pop()
    except IndexError:
        drawn = os.urandom(10 * _IDS_PER_DRAW)
        _randoms.extend(
            int.from_bytes(drawn[start : start + 10]) & _RANDOM
            for start in range(0, len(drawn), 10)
        )
        return _randoms.pop()


class Uuid7Generator(IdGenerator):
    """Time-ordered UUIDv7 (RFC 9562): new rows land at the end of the primary-key index."""

    def new_id(self) -> UUID:
        millis = (time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF
        return UUID(int=(millis << 80) | _random_bits() | _VERSION_AND_VARIANT)
