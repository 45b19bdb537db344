"""What only NATS does when JetStream refuses a publish: `publish_all` counts the events stored
from the first, so the relay deletes only those from the outbox and the rest wait there. The
publisher reads each answer itself (nats_acks.py) instead of nats-py's parsed `PubAck`: these
fail if it took an answer that is no acknowledgement (a 503 status, an error object) for one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from nats.aio.msg import Msg
from nats.js.api import DiscardPolicy, StreamConfig

from adapters.messaging.nats import NatsMessageBus
from application.shared.ports.tracing import NoTracing
from entrypoints.platform.builders import build_nats_bus
from entrypoints.settings import load_settings
from tests.contract.test_message_bus import RETRY, event
from tests.support.nats import (
    PATIENCE,
    delete_namespace,
    nats_buses,
    plain_client,
    require_nats,
    unique_namespace,
)

pytestmark = pytest.mark.nats


@pytest.fixture
async def bus() -> AsyncIterator[NatsMessageBus]:
    async with nats_buses(RETRY) as make:
        yield await make()


async def _replace_stream(bus: NatsMessageBus, config: StreamConfig | None) -> None:
    """The context `shop`'s stream deleted behind the bus's back, and `config` made if given."""
    nc = await plain_client(bus.servers)
    try:
        js = nc.jetstream(timeout=PATIENCE)
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


async def test_an_acknowledgement_later_than_the_default_counts_within_the_setting() -> None:
    """PORTICO_NATS_TIMEOUT_MS reaches the bus: an answer later than the default 2 s (a server
    far away, a cluster electing a leader) counts with 10 s, where the bus built without it
    gave up and the relay would have sent the event again. The stream is replaced by the test's
    own subscriber, which answers as the stream would, but late."""
    url, namespace = require_nats(), unique_namespace()
    settings = load_settings(
        {
            "PORTICO_NATS_URL": url,
            "PORTICO_NATS_NAMESPACE": namespace,
            "PORTICO_NATS_TIMEOUT_MS": "10000",
        },
        env_file=None,
    )
    bus = build_nats_bus(settings, RETRY, NoTracing())
    assert isinstance(bus, NatsMessageBus)
    slow = await plain_client([url])
    try:
        await bus.start()
        assert await bus.publish_all([event(n=0)]) == 1  # the stream is made, and known to the bus
        await _replace_stream(bus, None)
        stream = bus.stream_name("shop")

        async def answer_late(msg: Msg) -> None:
            await asyncio.sleep(2.5)
            ack = {"stream": stream, "seq": 2}  # compact, as nats-server writes it
            await msg.respond(json.dumps(ack, separators=(",", ":")).encode())

        await slow.subscribe(f"{namespace}.shop.>", cb=answer_late)
        await slow.flush()

        assert await bus.publish_all([event(n=1)]) == 1
    finally:
        await bus.close()
        await slow.close()
        await delete_namespace(url, namespace)
