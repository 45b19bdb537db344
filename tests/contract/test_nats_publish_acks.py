"""What only NATS does when JetStream refuses a publish: `publish_all` counts the events stored
from the first, so the relay deletes only those from the outbox and the rest wait there. The
publisher reads each answer itself (nats_acks.py) instead of nats-py's parsed `PubAck`: these
fail if it took an answer that is no acknowledgement (a 503 status, an error object) for one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
from nats.js.api import DiscardPolicy, StreamConfig

from adapters.messaging.nats import NatsMessageBus
from tests.contract.test_message_bus import RETRY, event
from tests.support.nats import nats_buses

pytestmark = pytest.mark.nats


@pytest.fixture
async def bus() -> AsyncIterator[NatsMessageBus]:
    async with nats_buses(RETRY) as make:
        yield await make()


async def _replace_stream(bus: NatsMessageBus, config: StreamConfig | None) -> None:
    """The context `shop`'s stream deleted behind the bus's back, and `config` made if given."""
    nc = await nats.connect(servers=bus.servers, connect_timeout=2, max_reconnect_attempts=1)
    try:
        js = nc.jetstream()
        await js.delete_stream(bus.stream_name("shop"))
        if config is not None:
            await js.add_stream(config)
    finally:
        await nc.close()


async def test_a_batch_with_no_stream_to_take_it_counts_nothing(bus: NatsMessageBus) -> None:
    assert await bus.publish_all([event(n=0)]) == 1  # the stream is made, and known to the bus
    await _replace_stream(bus, None)  # no responders: a 503 status answers each publish

    assert await bus.publish_all([event(n=n) for n in range(1, 4)]) == 0


async def test_a_refused_publish_ends_the_published_prefix(bus: NatsMessageBus) -> None:
    assert await bus.publish_all([event(n=0)]) == 1
    # The same stream, now refusing new messages after two: the third gets an error object.
    full_after_two = StreamConfig(
        name=bus.stream_name("shop"),
        subjects=[f"{bus.namespace}.shop.>"],
        max_msgs=2,
        discard=DiscardPolicy.NEW,
    )
    await _replace_stream(bus, full_after_two)

    assert await bus.publish_all([event(n=n) for n in range(1, 6)]) == 2


async def test_a_publish_to_another_stream_than_expected_counts_nothing(
    bus: NatsMessageBus,
) -> None:
    assert await bus.publish_all([event(n=0)]) == 1
    # The context's subjects now stored by a stream of another name: each publish names the
    # stream it expects, and the server answers with an error.
    elsewhere = StreamConfig(
        name=f"{bus.stream_name('shop')}_ELSEWHERE", subjects=[f"{bus.namespace}.shop.>"]
    )
    await _replace_stream(bus, elsewhere)

    assert await bus.publish_all([event(n=n) for n in range(1, 4)]) == 0
