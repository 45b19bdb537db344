"""AfterCommit: in-process reactions to the domain events a unit of work has committed.

Command handlers call it with `uow.committed_events` once the unit of work is closed, before
they return, so a reaction (e.g. cache invalidation) is done by the time the caller sees the
write succeed. Reactions must not fail for reasons of their own: the write is already durable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from domain.shared.events import DomainEvent

Reaction = Callable[[Sequence[DomainEvent]], Awaitable[None]]


class AfterCommit:
    def __init__(self, *reactions: Reaction) -> None:
        self._reactions = reactions

    async def __call__(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        for react in self._reactions:
            await react(events)
