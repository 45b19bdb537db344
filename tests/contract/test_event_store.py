"""ONE contract for EventStore, run unchanged on memory, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.persistence.sql.event_store import SqlEventStore, append_on
from application.shared.ports.event_store import (
    EventStore,
    NewEvent,
    RecordedEvent,
    StreamVersionConflict,
)
from tests.contract.conftest import HeldAppend, empty_event_store, sql_database

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
GUARD = 30.0  # seconds: turns a hang into a failure; nothing here is timed


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
    # The loser may have used up positions (gaps are allowed), never events.
    everything = await event_store.read_all()
    assert [e.event_id for e in everything] == [e.event_id for e in stored]
    assert await event_store.head_position() == everything[-1].position


async def follow_until(event_store: EventStore, total: int, seen: list[RecordedEvent]) -> None:
    """A projection's loop: read after the last position read, never look back, until `total`
    events were read, then once more (nothing may follow). An adapter may hold events back
    while a transaction that could still commit before them is open (another test's, too), so
    the loop waits for them rather than stopping at the first empty read."""
    position = 0
    while len(seen) < total:
        batch = await event_store.read_all(after_position=position, limit=7)
        seen.extend(batch)
        if batch:
            position = batch[-1].position
        await asyncio.sleep(0 if batch else 0.005)
    seen.extend(await event_store.read_all(after_position=position))


def assert_each_once_in_stream_order(seen: list[RecordedEvent], appended: list[NewEvent]) -> None:
    assert sorted(str(e.event_id) for e in seen) == sorted(str(e.event_id) for e in appended)
    assert len({e.position for e in seen}) == len(seen)
    for stream in {e.stream_id for e in seen}:
        mine = [e.version for e in seen if e.stream_id == stream]
        assert mine == list(range(1, len(mine) + 1)), stream


async def test_a_follower_of_read_all_sees_every_event_once_while_writers_race(
    event_store: EventStore,
) -> None:
    writers, per_writer = 8, 5
    appended = [[new_event(n=i, writer=w) for i in range(per_writer)] for w in range(writers)]
    seen: list[RecordedEvent] = []

    async def write(w: int) -> None:
        for i, event in enumerate(appended[w]):
            await event_store.append(f"stream-{w}", i, [event])

    follower = asyncio.create_task(follow_until(event_store, writers * per_writer, seen))
    await asyncio.gather(*(write(w) for w in range(writers)))
    await asyncio.wait_for(follower, GUARD)

    assert_each_once_in_stream_order(seen, [e for events in appended for e in events])
    for w in range(writers):
        mine = [e for e in seen if e.stream_id == f"stream-{w}"]
        assert [e.payload["n"] for e in mine] == list(range(per_writer))


async def test_a_slow_transaction_holding_early_positions_is_read_late_never_skipped(
    event_store: EventStore, append_held_open: HeldAppend
) -> None:
    # The slow transaction takes its positions first and commits last; meanwhile writers to
    # other streams append (on PostgreSQL they commit before it ends; where appends are
    # serialised they wait for it) and a follower polls. It must read every event once.
    # Where appends are serialised each waiting writer holds a connection: the slow one, two
    # writers and the readers fit the pool of 4.
    writers, per_writer = 2, 4
    first = new_event("Before", n=0)
    await event_store.append("before", 0, [first])
    slow = [new_event("Slow", n=1), new_event("Slow", n=2)]
    appended = [[new_event(n=i, writer=w) for i in range(per_writer)] for w in range(writers)]
    total = 1 + len(slow) + writers * per_writer
    seen: list[RecordedEvent] = []

    async def write(w: int) -> None:
        for i, event in enumerate(appended[w]):
            await event_store.append(f"stream-{w}", i, [event])

    follower = asyncio.create_task(follow_until(event_store, total, seen))
    async with append_held_open("slow", 0, slow):
        writing = asyncio.ensure_future(asyncio.gather(*(write(w) for w in range(writers))))
        await asyncio.wait({writing}, timeout=0.5)  # the writers' turn (no speed asserted)
        while_open = await event_store.read_all()
        assert "slow" not in {e.stream_id for e in while_open}
        await asyncio.sleep(0.05)  # the follower polls meanwhile
    await writing
    await asyncio.wait_for(follower, GUARD)

    assert_each_once_in_stream_order(
        seen, [first, *slow, *(e for events in appended for e in events)]
    )
    assert [e.type for e in seen if e.stream_id == "slow"] == ["Slow", "Slow"]


# [adapter:postgresql begin]
@pytest.mark.postgres
async def test_on_postgresql_an_append_does_not_wait_for_an_open_one(tmp_path: Path) -> None:
    database = await sql_database("postgresql", tmp_path)
    await empty_event_store(database)
    store = SqlEventStore(database)
    try:
        async with database.begin() as connection:
            await append_on(connection, "first", 0, [new_event(n=1)])
            # With appends serialised this would wait for the block to end, that is forever:
            # the guard turns that into a failure.
            await asyncio.wait_for(store.append("second", 0, [new_event(n=2)]), GUARD)
            assert [e.version for e in await store.read("second")] == [1]  # committed
            # Readable only once the transaction holding the earlier position has ended.
            assert await store.read_all() == []
        seen: list[RecordedEvent] = []
        await asyncio.wait_for(follow_until(store, 2, seen), GUARD)
        assert [e.stream_id for e in seen] == ["first", "second"]
        assert seen[0].position < seen[1].position
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_on_postgresql_an_append_behind_a_newer_transaction_of_its_stream_is_refused(
    tmp_path: Path,
) -> None:
    # Read in transaction order, an older transaction's version 2 would come before a newer
    # one's version 1 of the same stream: the append refuses, and its retry (newer) succeeds.
    database = await sql_database("postgresql", tmp_path)
    await empty_event_store(database)
    store = SqlEventStore(database)
    try:
        with pytest.raises(StreamVersionConflict):
            async with database.begin() as older:
                await append_on(older, "other", 0, [new_event(n=1)])  # takes its id now
                await store.append("s", 0, [new_event(n=2)])  # a newer transaction, committed
                await append_on(older, "s", 1, [new_event(n=3)])
        await store.append("s", 1, [new_event(n=3)])

        seen: list[RecordedEvent] = []
        await asyncio.wait_for(follow_until(store, 2, seen), GUARD)
        assert [(e.stream_id, e.version, e.payload["n"]) for e in seen] == [
            ("s", 1, 2),
            ("s", 2, 3),
        ]
    finally:
        await database.dispose()


# [adapter:postgresql end]
