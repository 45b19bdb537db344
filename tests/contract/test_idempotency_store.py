"""ONE contract for IdempotencyStore, on memory, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from application.shared.ports.idempotency import IdempotencyRecord, IdempotencyStore

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def test_the_first_claim_wins_and_others_see_its_answer(
    idempotency_store: IdempotencyStore,
) -> None:
    assert await idempotency_store.reserve("place", "k1", "fp-a", T0) is None
    assert await idempotency_store.reserve("place", "k1", "fp-b", T0) == IdempotencyRecord(
        "fp-a", None
    )

    await idempotency_store.complete("place", "k1", {"order_id": "o-1", "version": 1})

    assert await idempotency_store.reserve("place", "k1", "fp-a", T0) == IdempotencyRecord(
        "fp-a", {"order_id": "o-1", "version": 1}
    )
    assert await idempotency_store.reserve("other-scope", "k1", "fp-a", T0) is None


async def test_concurrent_claims_exactly_one_wins(idempotency_store: IdempotencyStore) -> None:
    results = await asyncio.gather(
        *(idempotency_store.reserve("place", "race", f"fp-{i}", T0) for i in range(4))
    )
    winners = [i for i, result in enumerate(results) if result is None]
    assert len(winners) == 1
    assert {r.fingerprint for r in results if r is not None} == {f"fp-{winners[0]}"}


async def test_a_released_claim_can_be_taken_again_but_an_answer_stays(
    idempotency_store: IdempotencyStore,
) -> None:
    await idempotency_store.reserve("place", "k1", "fp-a", T0)
    await idempotency_store.release("place", "k1")
    assert await idempotency_store.reserve("place", "k1", "fp-b", T0) is None

    await idempotency_store.complete("place", "k1", {"ok": True})
    await idempotency_store.release("place", "k1")
    assert await idempotency_store.reserve("place", "k1", "fp-b", T0) == IdempotencyRecord(
        "fp-b", {"ok": True}
    )


async def test_purge_forgets_old_records(idempotency_store: IdempotencyStore) -> None:
    await idempotency_store.reserve("place", "old", "fp", T0)
    await idempotency_store.reserve("place", "new", "fp", T0 + timedelta(days=2))

    assert await idempotency_store.purge(T0 + timedelta(days=1)) == 1
    assert await idempotency_store.reserve("place", "old", "fp-x", T0) is None
    assert await idempotency_store.reserve("place", "new", "fp-x", T0) is not None


async def test_release_stale_frees_only_old_unanswered_claims(
    idempotency_store: IdempotencyStore,
) -> None:
    await idempotency_store.reserve("place", "stuck", "fp-a", T0)
    await idempotency_store.reserve("place", "answered", "fp-a", T0)
    await idempotency_store.complete("place", "answered", {"ok": True})
    await idempotency_store.reserve("place", "recent", "fp-a", T0 + timedelta(minutes=10))

    assert await idempotency_store.release_stale(T0 + timedelta(minutes=5)) == 1

    # The stuck key is free for the retry; the answer and the recent claim stay.
    assert await idempotency_store.reserve("place", "stuck", "fp-a", T0) is None
    assert await idempotency_store.reserve("place", "answered", "fp-a", T0) == IdempotencyRecord(
        "fp-a", {"ok": True}
    )
    assert await idempotency_store.reserve("place", "recent", "fp-a", T0) == IdempotencyRecord(
        "fp-a", None
    )
