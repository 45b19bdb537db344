"""The order the tests run in under `--dist worksteal`: the slow ones shared out between workers.

xdist's worksteal gives each worker a contiguous share of the collected order (the first
len // workers tests to the first, and so on) and lets an idle worker take the second half of
another's pending tests, from the end. A slow test at the head of a share is never taken: with
every slow test first in the order, one worker ran them all back to back (the remove-context
fork's checks and suite, the scaffold, HAProxy, the soak, the wheel: ~175 s of CPU and ~40 s of
timed load, bench/README.md session 17) while the other ran the short ones. Here each share
begins with about as many slow tests as the others, a module's together (its module fixtures
are made once, on one worker), most first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def shares(total: int, workers: int) -> list[int]:
    """The sizes of the workers' first shares, as worksteal cuts them."""
    sizes = []
    for worker in range(workers):
        size = total // (workers - worker)
        sizes.append(size)
        total -= size
    return sizes


def spread_slow(
    items: Sequence[T], workers: int, slow: Callable[[T], bool], module: Callable[[T], str]
) -> list[T]:
    """`items` reordered: each worker's share starts with its slow tests; the rest keep their
    order. With one worker (or none slow), every slow test first, as before."""
    heavy = [item for item in items if slow(item)]
    rest = [item for item in items if not slow(item)]
    if workers < 2 or not heavy:
        return heavy + rest
    groups: dict[str, list[T]] = {}
    for item in heavy:
        groups.setdefault(module(item), []).append(item)
    dealt: list[list[T]] = [[] for _ in range(workers)]
    for group in sorted(groups.values(), key=len, reverse=True):  # stable: collection order
        min(dealt, key=len).extend(group)
    ordered: list[T] = []
    for share, size in zip(dealt, shares(len(items), workers), strict=True):
        fill = max(0, size - len(share))
        ordered += share + rest[:fill]
        del rest[:fill]
    return ordered + rest
