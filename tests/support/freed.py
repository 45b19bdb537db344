"""Whether an object is freed by reference counting alone, the garbage collector kept off."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

_T = TypeVar("_T")


async def freed_at_once(make: Callable[[], _T], use: Callable[[_T], Awaitable[object]]) -> bool:
    """Make an object, `use` it, let go of it: is it gone at once? An object in a reference
    cycle (a unit of work its repositories hold) waits for the collector, which is off here."""
    gc.collect()
    gc.disable()
    try:
        made = make()
        await use(made)
        gone = weakref.ref(made)
        del made
        return gone() is None
    finally:
        gc.enable()
