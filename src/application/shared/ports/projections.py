"""ProjectionStore: the rows of a read model and the event-store position they reflect."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ProjectionState:
    generation: int
    position: int


Row = TypeVar("Row")


class ProjectionStore(ABC, Generic[Row]):
    """The rows of one projection, keyed by aggregate id, and where in the event store they are.

    `save` is a compare-and-set: it writes the rows and moves the position from `from_position`
    to `to_position` in one step, and writes nothing (returning False) if the stored state is no
    longer (generation, from_position). That makes applying a batch idempotent: two projector
    processes, or a projector racing a rebuild, cannot apply one event twice.
    """

    name: str

    @abstractmethod
    async def state(self) -> ProjectionState:
        """The live generation and its position (generation 1, position 0 when new)."""

    @abstractmethod
    async def rows(self, generation: int, order_ids: Iterable[UUID]) -> dict[UUID, Row]: ...

    @abstractmethod
    async def save(
        self,
        generation: int,
        rows: Mapping[UUID, Row],
        *,
        from_position: int,
        to_position: int,
    ) -> bool: ...

    async def save_together(self, saves: Sequence[PendingSave]) -> list[bool] | None:
        """Several projections' saves (this store's among them) sent as one, each still its own
        compare-and-set: what each `save` would answer, in order; None if this store cannot
        (the caller saves them one by one), which is the default."""
        return None

    @abstractmethod
    async def begin_rebuild(self) -> int:
        """A fresh generation above every existing one, with no rows, not yet live."""

    @abstractmethod
    async def write(self, generation: int, rows: Mapping[UUID, Row]) -> None:
        """Write rows of a generation being rebuilt (no position check)."""

    @abstractmethod
    async def swap_in(self, generation: int, position: int) -> None:
        """Make `generation` live at `position` and drop the rows of every other generation."""


@dataclass(frozen=True, slots=True)
class PendingSave:
    """One projection's `save`, for ProjectionStore.save_together."""

    store: ProjectionStore[Any]
    generation: int
    rows: Mapping[UUID, Any]
    from_position: int
    to_position: int

    async def save(self) -> bool:
        return await self.store.save(
            self.generation,
            self.rows,
            from_position=self.from_position,
            to_position=self.to_position,
        )
