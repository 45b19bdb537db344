"""WHITE_SPACE names exactly what `str.strip()` removes, so a pattern built with it agrees with
the domain's trimming whichever regex dialect reads it."""

from __future__ import annotations

import re
import sys

from domain.shared.white_space import WHITE_SPACE


def test_white_space_is_what_strip_removes() -> None:
    named = re.compile(f"[{WHITE_SPACE}]")
    every = [chr(code) for code in range(sys.maxunicode + 1)]

    assert {c for c in every if named.fullmatch(c)} == {c for c in every if not c.strip()}
