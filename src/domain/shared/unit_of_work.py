"""UnitOfWork port: one atomic business transaction and the events it produced."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Self

from domain.shared.events import DomainEvent, EventRecorder


class UnitOfWork(ABC):
    """Use as `async with uow:`; nothing is kept unless `commit()` is awaited inside the block.

    Leaving the block without a commit (or with an exception) rolls back. After a commit,
    `committed_events` holds the domain events of every aggregate the unit of work saw, in the
    order they were recorded, so the application can react to them once they are durable.
    """

    committed_events: list[DomainEvent]
    # Set where the application is wired: in-process reactions to committed events (cache
    # invalidation) that run once the transaction is over, before the use case returns, so no
    # use case can forget them.
    on_committed: Callable[[Sequence[DomainEvent]], Awaitable[None]] | None = None

    async def __aenter__(self) -> Self:
        self.committed_events = []
        self._seen: list[EventRecorder] = []
        known = set(self.__dict__)
        await self._begin()
        self._opened = [name for name in self.__dict__ if name not in known]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._close()
        finally:
            self._forget_what_begin_opened()
        if self.committed_events and self.on_committed is not None:
            await self.on_committed(self.committed_events)

    async def commit(self) -> None:
        events = self._collect_events()
        await self._commit(events)
        self.committed_events.extend(events)

    @abstractmethod
    async def _begin(self) -> None:
        """Open the repositories (and the transaction): attributes that last until the end."""

    @abstractmethod
    async def _commit(self, events: list[DomainEvent]) -> None:
        """Make the changes durable; `events` are the facts they produced (for an outbox)."""

    @abstractmethod
    async def _close(self) -> None:
        """End the transaction, rolling back whatever was not committed."""

    def _forget_what_begin_opened(self) -> None:
        """Drop the attributes `_begin` set (its repositories): a repository holds its unit of
        work, a reference cycle that left every finished one (its aggregates, their events, what
        its adapter opened) to the garbage collector, a dozen objects per write and a young
        collection every ~60 writes (bench/README.md, session 18). Without them reference
        counting frees it as soon as its caller lets go; `_begin` sets them again next time."""
        for name in self.__dict__.pop("_opened", ()):
            self.__dict__.pop(name, None)

    def saw(self, aggregate: EventRecorder) -> None:
        """Repositories call this for every aggregate they hand out or take in."""
        if not any(seen is aggregate for seen in self._seen):
            self._seen.append(aggregate)

    def _collect_events(self) -> list[DomainEvent]:
        return [event for aggregate in self._seen for event in aggregate.pull_events()]
