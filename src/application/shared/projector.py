"""Projector: keeps each projection store in step with the event store, idempotently.

A step reads the events after the projection's saved position, folds them into the rows they
touch, and saves rows and new position in one compare-and-set (ProjectionStore.save). If the
position moved meanwhile (another projector, a rebuild), nothing is written and the step is
simply taken again from the new position: no event is applied twice or skipped.

A rebuild replays the whole store into a fresh generation of rows while the live one keeps
serving, then swaps it in at the position it reached; the live projector goes on from there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic
from uuid import UUID

from application.shared.event_codec import EventCodec
from application.shared.ports.event_store import EventStore, RecordedEvent
from application.shared.ports.projections import (
    PendingSave,
    ProjectionState,
    ProjectionStore,
    Row,
)
from application.shared.ports.tracing import Attributes, NoTracing, Tracing
from application.shared.ports.wakeup import Doorbell
from application.shared.waiting import first_of
from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True)
class Projection(Generic[Row]):
    store: ProjectionStore[Row]
    fold: Callable[[Any, DomainEvent, int], Row | None]

    @property
    def name(self) -> str:
        return self.store.name


@dataclass(frozen=True, slots=True)
class Rebuilt:
    name: str
    generation: int
    position: int
    events: int


class UnknownProjection(ValueError):
    pass


class Projector:
    def __init__(
        self,
        events: EventStore,
        projections: Sequence[Projection[Any]],
        codec: EventCodec,
        *,
        batch_size: int = 500,
        tracing: Tracing | None = None,
    ) -> None:
        self._tracing = tracing or NoTracing()
        self._events = events
        self._projections = {projection.name: projection for projection in projections}
        self._codec = codec
        self._batch_size = batch_size
        # Each projection's state as this projector's last step left it (saved, or read with
        # nothing to apply): the next step starts there without reading it again. The save's
        # compare-and-set still guards it: if anything else moved the state meanwhile (another
        # projector, a rebuild swapped in), the save writes nothing, the entry is dropped, and
        # the step is taken again from the state read afresh.
        self._known: dict[str, ProjectionState] = {}

    @property
    def names(self) -> list[str]:
        return list(self._projections)

    def _pick(self, names: Sequence[str] | None) -> list[Projection[Any]]:
        if not names:
            return list(self._projections.values())
        unknown = [name for name in names if name not in self._projections]
        if unknown:
            raise UnknownProjection(
                f"no projection named {', '.join(unknown)}; there are: {', '.join(self.names)}"
            )
        return [self._projections[name] for name in names]

    async def step(
        self, projection: Projection[Any], read: dict[int, _Batch] | None = None
    ) -> tuple[int | None, int]:
        """Apply one batch: the number of events consumed (0: caught up; None if another
        writer moved the projection first: take the step again), and the position the
        projection is at. `read`: a batch already read, by the position it was read after,
        taken from there rather than read again (projections at one position read the same
        events, and fold the same decoded events); the first batch read is kept there."""
        return (await self._steps([projection], read))[0]

    async def _steps(
        self, projections: Sequence[Projection[Any]], read: dict[int, _Batch] | None
    ) -> list[tuple[int | None, int]]:
        """One step of each projection (`step`), in order. Those that fold the same batch save
        together where their store can (ProjectionStore.save_together: one statement instead
        of one per projection on PostgreSQL), each still its own compare-and-set."""
        done: dict[str, tuple[int | None, int]] = {}
        folding: dict[int, tuple[_Batch, list[tuple[Projection[Any], ProjectionState]]]] = {}
        for projection in projections:
            state = self._known.pop(projection.name, None) or await projection.store.state()
            batch = None if read is None else read.get(state.position)
            if batch is None:
                batch = _Batch(await self._events.read_all(state.position, self._batch_size))
                if read is not None and not read:  # the first only: a long catch-up keeps one
                    read[state.position] = batch
            if not batch.events:
                self._known[projection.name] = state
                done[projection.name] = (0, state.position)  # an idle poll makes no span
                continue
            folding.setdefault(id(batch), (batch, []))[1].append((projection, state))
        for batch, steps in folding.values():
            reached = batch.events[-1].position
            attributes: Attributes = {
                "projection": ", ".join(projection.name for projection, _ in steps),
                "events": len(batch.events),
            }
            with self._tracing.span("projection step", attributes=attributes):
                decoded = batch.decoded(self._codec)
                saves = [
                    PendingSave(
                        projection.store,
                        state.generation,
                        await self._fold(projection, state.generation, decoded),
                        from_position=state.position,
                        to_position=reached,
                    )
                    for projection, state in steps
                ]
                saved = await _saved(saves)
            for (projection, state), moved in zip(steps, saved, strict=True):
                if moved:
                    self._known[projection.name] = ProjectionState(state.generation, reached)
                    done[projection.name] = (len(batch.events), reached)
                else:
                    done[projection.name] = (None, state.position)
        return [done[projection.name] for projection in projections]

    async def catch_up(self, names: Sequence[str] | None = None) -> int:
        """Run every projection (or those named) up to the head; returns events consumed."""
        return (await self._catch_up(self._pick(names)))[0]

    async def _catch_up(self, projections: Sequence[Projection[Any]]) -> tuple[int, int]:
        """Events consumed, and the lowest position a projection reached. A batch shorter
        than a full one read all there was: no step more to learn that the next is empty
        (an event committed meanwhile rings the doorbell or is found by the next poll). The
        projections step together: a batch read serves every projection at the position it
        was read after (it was what the store held after that position when read, so nothing
        is skipped), and their saves go together."""
        consumed, reached, going = 0, dict[str, int](), list(projections)
        while going:
            steps = await self._steps(going, dict[int, _Batch]())
            for projection, (applied, position) in zip(going, steps, strict=True):
                consumed += applied or 0
                if applied is not None and applied < self._batch_size:
                    reached[projection.name] = position
            going = [projection for projection in going if projection.name not in reached]
        return consumed, min(reached.values(), default=-1)

    async def follow(
        self,
        stop: asyncio.Event,
        *,
        idle_seconds: float = 0.05,
        idle_max: float | None = None,
        doorbell: Doorbell | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Catch up, then wait for new events until `stop` is set (the in-process runner).

        With a `doorbell`, a ring (a commit that appended events, a rebuild swapped in) starts
        the next catch-up at once; polling is the safety net, its pause doubling from
        `idle_seconds` to `idle_max` while nothing comes, and a poll first asks only for the
        store's head (one query), catching up only if it moved. An error (the database
        restarting, say) goes to `on_error` (for the log) and the loop goes on after a pause;
        without `on_error` it propagates."""
        longest = max(idle_max or idle_seconds, idle_seconds)
        idle, rung, known_head = idle_seconds, True, None
        while not stop.is_set():
            pause = idle
            try:
                if doorbell is None:
                    applied = await self.catch_up()
                else:
                    applied, known_head = await self._catch_up_if_moved(rung, known_head)
            except Exception as error:
                if on_error is None:
                    raise
                on_error(error)
                applied, pause = 0, max(idle_seconds * 20, 1.0)
            if applied:
                idle, rung = idle_seconds, True
                if doorbell is not None and doorbell.reaches_other_processes:
                    # Caught up to what was committed when each batch was read (every last
                    # batch was short), and a doorbell that hears every commit keeps a ring
                    # that came meanwhile for this waiter: wait for it rather than reading at
                    # once (the head, each state and the events: nothing, most of the time).
                    rung = await first_of(stop, doorbell.wait(idle, self, stored_events_only=True))
                continue
            idle = min(idle * 2, longest)
            if doorbell is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
            else:
                rung = await first_of(stop, doorbell.wait(pause, self, stored_events_only=True))

    async def _catch_up_if_moved(
        self, rung: bool, known_head: int | None
    ) -> tuple[int, int | None]:
        """Events consumed, and the head every projection has now reached. Unless rung, first
        ask whether the head moved since `known_head`: an idle poll costs one query. Rung, the
        head is asked after the catch-up, so the events' rows commit a round trip sooner; one
        committed in between is beyond what was read, so it is looked for again."""
        if not rung:
            head = await self._events.head_position()
            if head == known_head:
                return 0, known_head
        consumed, lowest = await self._catch_up(list(self._projections.values()))
        if rung:
            head = await self._events.head_position()
        # Remember the head only once every projection has read up to it: the store may hold an
        # event back for a moment (a transaction that began before it is still open), and such
        # an event must be looked for again at the next poll, not taken as read.
        return consumed, head if lowest >= head else known_head

    async def rebuild(
        self, name: str, progress: Callable[[int, int], None] | None = None
    ) -> Rebuilt:
        """Replay from position 0 into a fresh generation, then swap it in. `progress` hears
        (events replayed, events in the store when the rebuild began) after each batch."""
        projection = self._pick([name])[0]
        self._known.pop(name, None)
        generation = await projection.store.begin_rebuild()
        position = consumed = 0
        total = await self._events.head_position() if progress else 0
        while batch := await self._events.read_all(position, self._batch_size):
            rows = await self._fold(projection, generation, _Batch(batch).decoded(self._codec))
            await projection.store.write(generation, rows)
            position = batch[-1].position
            consumed += len(batch)
            if progress:
                progress(consumed, max(total, consumed))
        await projection.store.swap_in(generation, position)
        return Rebuilt(name, generation, position, consumed)

    async def lag(self) -> dict[str, int]:
        """Events each projection is behind the head of the store (for health and metrics)."""
        head = await self._events.head_position()
        return {
            name: max(head - (await projection.store.state()).position, 0)
            for name, projection in self._projections.items()
        }

    async def _fold(
        self, projection: Projection[Any], generation: int, decoded: Sequence[_Decoded]
    ) -> dict[UUID, Any]:
        current: dict[UUID, Any] = {}
        if ids := _with_earlier_events(decoded):
            current = await projection.store.rows(generation, ids)
        changed: dict[UUID, Any] = {}
        for version, event in decoded:
            row = current.get(event.aggregate_id)
            if row is not None and row.version >= version:
                continue  # already in the row: replaying a batch changes nothing
            folded = projection.fold(row, event, version)
            if folded is not None:
                current[event.aggregate_id] = changed[event.aggregate_id] = folded
        return changed


_Decoded = tuple[int, DomainEvent]  # an event's version in its stream, and the event


class _Batch:
    """Events read after a position, and decoded once for every projection that folds them
    (decoding is most of a fold's CPU; the folds never change the events)."""

    __slots__ = ("_decoded", "events")

    def __init__(self, events: list[RecordedEvent]) -> None:
        self.events = events
        self._decoded: list[_Decoded] | None = None

    def decoded(self, codec: EventCodec) -> list[_Decoded]:
        """The events this codec knows, decoded (the others are not the projections')."""
        if self._decoded is None:
            self._decoded = [
                (recorded.version, codec.decode(recorded))
                for recorded in self.events
                if codec.knows(recorded.type)
            ]
        return self._decoded


async def _saved(saves: Sequence[PendingSave]) -> list[bool]:
    """What each save answered: together if the first's store can, else one by one."""
    together = None if len(saves) < 2 else await saves[0].store.save_together(saves)
    if together is None:
        together = [await save.save() for save in saves]
    return together


def _with_earlier_events(decoded: Sequence[_Decoded]) -> list[UUID]:
    """The aggregates of a batch that may have a row: those whose first event here is not
    their first (version 1). A projection's rows hold exactly the events up to its saved
    position (saved together), and within a stream the versions follow the read order, so an
    aggregate first seen at version 1 has none: no read for it (a batch of new orders: none)."""
    first: dict[UUID, int] = {}
    for version, event in decoded:
        first.setdefault(event.aggregate_id, version)
    return [aggregate for aggregate, version in first.items() if version > 1]
