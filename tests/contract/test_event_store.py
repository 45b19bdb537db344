"""ONE contract for EventStore, run unchanged on memory, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from application.shared.ports.event_store import (
    EventStore,
    NewEvent,
    RecordedEvent,
    StreamVersionConflict,
)

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def new_event(kind: str = "Happened", n: int = 0, **payload: object) -> NewEvent:
    return NewEvent(
        event_id=uuid4(),
        type=kind,
        schema_version=1,
        payload={"n": n, **payload},
        occurred_at=T0 + timedelta(seconds=n),
    )


async def test_appended_events_read_back_equal(event_store: EventStore) -> None:
    first = new_event(n=1, text="crème brûlée ☕", nested={"list": [1, 2.5, None, True]})
    second = new_event("Other", n=2)

    version = await event_store.append("order-1", 0, [first, second])

    assert version == 2
    stored = await event_store.read("order-1")
    assert [(e.stream_id, e.version) for e in stored] == [("order-1", 1), ("order-1", 2)]
    assert stored[0].event_id == first.event_id
    assert (stored[0].type, stored[0].schema_version) == ("Happened", 1)
    assert stored[0].payload == {
        "n": 1,
        "text": "crème brûlée ☕",
        "nested": {"list": [1, 2.5, None, True]},
    }
    assert stored[0].occurred_at == T0 + timedelta(seconds=1)
    assert stored[0].occurred_at.tzinfo is not None
    assert stored[1].type == "Other"


async def test_a_stream_reads_from_a_version_and_an_unknown_one_is_empty(
    event_store: EventStore,
) -> None:
    await event_store.append("s", 0, [new_event(n=i) for i in range(1, 4)])
    await event_store.append("s", 3, [new_event(n=4)])

    assert [e.payload["n"] for e in await event_store.read("s", from_version=3)] == [3, 4]
    assert await event_store.read("s", from_version=5) == []
    assert await event_store.read("nobody") == []


@pytest.mark.parametrize("expected", [0, 1, 3])
async def test_a_wrong_expected_version_adds_nothing(
    event_store: EventStore, expected: int
) -> None:
    await event_store.append("s", 0, [new_event(n=1), new_event(n=2)])

    with pytest.raises(StreamVersionConflict) as caught:
        await event_store.append("s", expected, [new_event(n=9), new_event(n=10)])

    assert caught.value.stream_id == "s"
    assert [e.version for e in await event_store.read("s")] == [1, 2]
    assert await event_store.head_position() == 2


async def test_read_all_follows_commit_order_across_streams(event_store: EventStore) -> None:
    assert await event_store.head_position() == 0
    assert await event_store.read_all() == []
    await event_store.append("a", 0, [new_event(n=1)])
    await event_store.append("b", 0, [new_event(n=2), new_event(n=3)])
    await event_store.append("a", 1, [new_event(n=4)])

    everything = await event_store.read_all()
    assert [e.position for e in everything] == [1, 2, 3, 4]
    assert [(e.stream_id, e.version) for e in everything] == [
        ("a", 1),
        ("b", 1),
        ("b", 2),
        ("a", 2),
    ]
    assert [e.payload["n"] for e in await event_store.read_all(after_position=1, limit=2)] == [
        2,
        3,
    ]
    assert await event_store.read_all(after_position=4) == []
    assert await event_store.head_position() == 4


async def test_two_concurrent_appends_at_one_expected_version_exactly_one_wins(
    event_store: EventStore,
) -> None:
    await event_store.append("race", 0, [new_event(n=0)])
    contenders = [[new_event(f"Writer{i}", n=i), new_event(f"Writer{i}", n=i)] for i in range(2)]

    results = await asyncio.gather(
        *(event_store.append("race", 1, events) for events in contenders), return_exceptions=True
    )

    winners = [i for i, result in enumerate(results) if result == 3]
    assert len(winners) == 1
    assert all(isinstance(r, StreamVersionConflict) for r in results if r != 3)
    stored = await event_store.read("race")
    assert [e.type for e in stored[1:]] == [f"Writer{winners[0]}"] * 2
    assert await event_store.head_position() == 3


async def test_a_follower_of_read_all_sees_every_event_once_while_writers_race(
    event_store: EventStore,
) -> None:
    writers, per_writer = 8, 5
    done = asyncio.Event()
    seen: list[RecordedEvent] = []

    async def write(w: int) -> None:
        for i in range(per_writer):
            await event_store.append(f"stream-{w}", i, [new_event(n=i, writer=w)])

    async def follow() -> None:
        # A projection's loop: read after the last position seen, never look back.
        position = 0
        while True:
            finished = done.is_set()
            batch = await event_store.read_all(after_position=position, limit=7)
            seen.extend(batch)
            if batch:
                position = batch[-1].position
            elif finished:
                return
            await asyncio.sleep(0)

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(write(w) for w in range(writers)))
    done.set()
    await follower

    total = writers * per_writer
    assert [e.position for e in seen] == list(range(1, total + 1))
    for w in range(writers):
        mine = [e for e in seen if e.stream_id == f"stream-{w}"]
        assert [e.version for e in mine] == list(range(1, per_writer + 1))
        assert [e.payload["n"] for e in mine] == list(range(per_writer))
