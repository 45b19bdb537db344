"""The event loop of a long-running command (`portico worker`, a projection rebuild): uvloop
where it is installed (every platform but Windows), else asyncio's own. granian already serves
the API on its own loop; the worker ran on asyncio's selector loop, about a third more CPU per
event relayed and consumed (bench/README.md, "The worker's event loop")."""

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
