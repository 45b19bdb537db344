"""The MessageBus contract's batch half (`subscribe_batches`, `listen_batches`), run unchanged on
the in-process bus and on NATS JetStream, with the fixtures of test_message_bus.py."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from uuid import UUID

from application.shared.ports.messaging import Delivery, IntegrationEvent
from tests.contract.test_message_bus import RETRY, WAIT, BusFactory, event, ids, new_bus, settle

__all__ = ["new_bus"]  # the fixture, parametrised on both buses


class Batches:
    """Records the batches a `subscribe_batches` handler is handed; `nack` names the events it
    nacks (the others it acks), `raise_once` makes its first batch raise with nothing settled."""

    def __init__(self, nack: frozenset[UUID] = frozenset(), raise_once: bool = False) -> None:
        self.batches: list[list[tuple[IntegrationEvent, int]]] = []
        self._nack, self._raise = nack, raise_once
        self._changed = asyncio.Event()

    async def __call__(self, deliveries: Sequence[Delivery]) -> None:
        self.batches.append([(d.event, d.attempt) for d in deliveries])
        self._changed.set()
        if self._raise:
            self._raise = False
            raise RuntimeError("the batch failed")
        for delivery in deliveries:
            await (delivery.nack() if delivery.event.id in self._nack else delivery.ack())

    @property
    def deliveries(self) -> list[tuple[IntegrationEvent, int]]:
        return [each for batch in self.batches for each in batch]

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while len(self.deliveries) < count:
                self._changed.clear()
                await self._changed.wait()


async def test_a_batch_subscriber_gets_what_one_fetch_brings_at_once_in_order(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    aggregate = ids.new_id()
    sent = [event("shop.StockMoved", aggregate, n) for n in range(25)]
    await bus.publish_all(sent)
    batches = Batches()
    subscription = await bus.subscribe_batches("batched", batches, contexts=["shop"], at_most=20)
    await batches.wait_for(len(sent))
    await settle(bus, "batched")
    await subscription.stop()

    assert [e.id for e, _ in batches.deliveries] == [e.id for e in sent]
    # What waited came together, as many as asked for (the 25 in two).
    assert max(len(batch) for batch in batches.batches) == 20
    assert await bus.lag("batched", "shop") == 0


async def test_a_nack_in_a_batch_brings_back_that_event_alone(new_bus: BusFactory) -> None:
    bus = await new_bus()
    sent = [event(n=n) for n in range(3)]
    await bus.publish_all(sent)
    batches = Batches(nack=frozenset({sent[1].id}))
    subscription = await bus.subscribe_batches("picky", batches, contexts=["shop"])
    await batches.wait_for(3 + RETRY.max_deliveries - 1)  # the nacked one until its last try
    await settle(bus, "picky")
    await subscription.stop()

    again = batches.deliveries[3:]
    assert again == [(sent[1], n) for n in range(2, RETRY.max_deliveries + 1)]
    assert await bus.dead_letters("picky") == [sent[1]]


async def test_a_batch_handler_that_raises_counts_as_a_nack_of_each(new_bus: BusFactory) -> None:
    bus = await new_bus()
    sent = [event(n=n) for n in range(3)]
    await bus.publish_all(sent)
    batches = Batches(raise_once=True)
    subscription = await bus.subscribe_batches("clumsy", batches, contexts=["shop"])
    await batches.wait_for(6)
    await settle(bus, "clumsy")
    await subscription.stop()

    first, again = batches.deliveries[:3], batches.deliveries[3:]
    assert sorted(e.id for e, _ in again) == sorted(e.id for e in sent)
    assert {attempt for _, attempt in first} == {1}
    assert {attempt for _, attempt in again} == {2}


async def test_a_batch_listener_in_every_process_gets_each_fetch_at_once(
    new_bus: BusFactory,
) -> None:
    """`listen_batches`: fan-out as `listen` (each subscription its own copy, in order), with
    what waited handed over together (a first batch held back lets the rest queue up)."""
    first_process, second_process = await new_bus(), await new_bus()
    release = asyncio.Event()

    class Held(Batches):
        entered = False

        async def __call__(self, deliveries: Sequence[Delivery]) -> None:
            self.entered = True
            await release.wait()
            await super().__call__(deliveries)

    here, there = Held(), Held()
    subscriptions = [
        await first_process.listen_batches("cache", here, contexts=["shop"], at_most=20),
        await second_process.listen_batches("cache", there, contexts=["shop"], at_most=20),
    ]
    sent = [event(n=n) for n in range(12)]
    await first_process.publish(sent[0])
    async with asyncio.timeout(WAIT):
        while not (here.entered and there.entered):  # each holds the first event
            await asyncio.sleep(0.01)
    await first_process.publish_all(sent[1:])
    release.set()
    await here.wait_for(len(sent))
    await there.wait_for(len(sent))
    for subscription in subscriptions:
        await subscription.stop()

    for batches in (here, there):
        assert [e.id for e, _ in batches.deliveries] == [e.id for e in sent]
        assert max(len(batch) for batch in batches.batches) > 1
