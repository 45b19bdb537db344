"""The event loop of `portico worker`: uvloop where it is installed (every platform but Windows),
else asyncio's own, as granian serves the API on its own fast loop. Measured on a drained
backlog: at most about a tenth less CPU per event than asyncio's selector loop, within that
run's noise (bench/README.md, "How fast `portico worker` drains a backlog")."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(work: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # Windows: no uvloop wheel
        return asyncio.run(work)
    return uvloop.run(work)
