"""Optional modules a library imports when installed, hidden while that library is imported.

Some libraries import an optional module at import time, whether it is used or not (structlog
imports rich, Litestar its OpenTelemetry plugin, granian watchfiles): a module
set to None in sys.modules makes that import fail as if it were not installed. Hidden only for
the `with` block and only if not yet imported, so a later import of it works.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    hide = [name for name in names if name not in sys.modules]
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hide:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
