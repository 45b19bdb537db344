"""Demo data: what `portico seed` hands each context's seed hook.

A run is sized by counts (one per flag a context declares, e.g. users=100) and made repeatable
by one integer seed: every context draws from its own random stream, derived from the seed and
its name, so changing one count leaves the other contexts' data as it was.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar
from uuid import UUID

T = TypeVar("T")


class Progress(Protocol):
    """Where a seed hook reports how far it got (the CLI draws a bar, or nothing)."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, done: int = 1) -> None: ...


@dataclass(frozen=True, slots=True)
class SeedPlan:
    sizes: Mapping[str, int]
    seed: int

    def size(self, name: str) -> int:
        return self.sizes.get(name, 0)

    def random(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}")  # noqa: S311 (repeatable on purpose)


@dataclass(slots=True)
class SeedRun:
    """One run: the plan, its progress, and the ids contexts publish for the ones after them
    (identity its customers, catalog its products), by name."""

    plan: SeedPlan
    progress: Progress
    published: dict[str, list[UUID]] = field(default_factory=dict)


def batches(items: list[T], size: int) -> list[list[T]]:
    """Consecutive slices of at most `size` items: one unit of work each."""
    return [items[start : start + size] for start in range(0, len(items), size)]
