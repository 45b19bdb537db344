"""POST /orders semantics under an Idempotency-Key, on the memory adapters."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from uuid import UUID

import pytest

from adapters.persistence.memory.idempotency import MemoryIdempotencyData, MemoryIdempotencyStore
from application.ordering.place_order import PLACE_ORDER_ONCE, LineRequest, PlaceOrder
from application.shared.idempotency import (
    IdempotencyKeyReused,
    Idempotent,
    RequestInProgress,
    fingerprint_of,
)
from domain.ordering.errors import OutOfStock
from domain.shared.errors import InvalidValue
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock
from tests.support.ordering.shop import ALICE, BOB, Shop


@pytest.fixture
def store() -> MemoryIdempotencyStore:
    return MemoryIdempotencyStore(MemoryIdempotencyData())


def order(product: UUID, quantity: int = 1, customer: UUID = ALICE) -> PlaceOrder:
    return PlaceOrder(
        tenant=Tenant.single(), customer_id=customer, lines=(LineRequest(product, quantity),)
    )


def keyed(command: PlaceOrder, key: str) -> PlaceOrder:
    return replace(command, idempotency_key=key)


async def test_a_retry_with_the_same_key_and_body_places_one_order(
    shop: Shop, store: MemoryIdempotencyStore, clock: SteppingClock
) -> None:
    once = Idempotent(shop.place, store, clock, PLACE_ORDER_ONCE)
    tea = await shop.product("TEA", stock=5)

    first = await once(keyed(order(tea, 2), "abc"))
    again = await once(keyed(order(tea, 2), "abc"))
    other_customer = await once(keyed(order(tea, 2, BOB), "abc"))

    assert again == first
    assert other_customer.order_id != first.order_id
    assert await shop.stock(tea) == 1
    with pytest.raises(IdempotencyKeyReused) as caught:
        await once(keyed(order(tea, 1), "abc"))
    assert isinstance(caught.value, InvalidValue)


async def test_a_failed_attempt_frees_the_key(
    shop: Shop, store: MemoryIdempotencyStore, clock: SteppingClock
) -> None:
    once = Idempotent(shop.place, store, clock, PLACE_ORDER_ONCE)
    tea = await shop.product("TEA", stock=1)

    with pytest.raises(OutOfStock):
        await once(keyed(order(tea, 2), "k"))
    placed = await once(keyed(order(tea, 1), "k"))

    assert placed.version == 1


async def test_a_retry_during_the_first_request_is_told_to_wait(
    store: MemoryIdempotencyStore, clock: SteppingClock
) -> None:
    tea = UUID(int=7)
    same_request = fingerprint_of({"lines": [[str(tea), 1]]})
    await store.reserve(f"place-order:{ALICE}", "k", same_request, clock.now())

    class Never:
        async def __call__(self, command: PlaceOrder) -> None:
            raise AssertionError("must not run")

    once = Idempotent(Never(), store, clock, PLACE_ORDER_ONCE)
    with pytest.raises(RequestInProgress):
        await once(keyed(order(tea), "k"))


async def test_without_a_key_every_request_places_an_order(
    shop: Shop, store: MemoryIdempotencyStore, clock: SteppingClock
) -> None:
    once = Idempotent(shop.place, store, clock, PLACE_ORDER_ONCE)
    tea = await shop.product("TEA", stock=5)

    first = await once(order(tea))
    second = await once(order(tea))

    assert first.order_id != second.order_id
    assert await shop.stock(tea) == 3


async def test_an_order_whose_answer_was_lost_is_answered_not_placed_again(
    shop: Shop, store: MemoryIdempotencyStore, clock: SteppingClock
) -> None:
    """The process died after the order committed and before the key's answer did: the claim
    was freed as stale, so the retry runs the command again and finds the order."""
    once = Idempotent(shop.place, store, clock, PLACE_ORDER_ONCE)
    tea = await shop.product("TEA", stock=5)
    lost = await shop.place(keyed(order(tea, 2), "k"))  # committed, no answer recorded

    retried = await once(keyed(order(tea, 2), "k"))

    assert retried == lost
    assert await shop.stock(tea) == 3
    with pytest.raises(IdempotencyKeyReused):
        await shop.place(keyed(order(tea, 1), "k"))
    assert await shop.stock(tea) == 3


async def test_two_attempts_under_one_key_racing_place_one_order(
    shop: Shop, clock: SteppingClock
) -> None:
    tea = await shop.product("TEA", stock=5)

    first, second = await asyncio.gather(
        shop.place(keyed(order(tea, 1), "k")), shop.place(keyed(order(tea, 1), "k"))
    )

    assert first.order_id == second.order_id
    assert await shop.stock(tea) == 4
