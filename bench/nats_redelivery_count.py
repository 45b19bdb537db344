"""Does a nats-server count a redelivery that raced a pull request's expiry as a first delivery?

    uv run python -m bench.nats_redelivery_count [--server /usr/sbin/nats-server] [--trials 20]

nats-server before 2.10.14 (fixed by nats-server PR #5305): when its delivery loop takes a
redelivery off its queue and then finds that the only pull request waiting has just expired, it
steps its stream position back one (`o.sseq--`, meant for a first delivery) and drops the
redelivery from its queue. The consumer's last new message then comes again numbered 1, and the
redelivery itself only after the ack wait. Our adapter reads the number JetStream sends, so a
handler sees `(e, 1), (e, 2), (e, 1)`, and the consumer's last new message twice.

Each trial, on a private server started here (raw nats-py, no Portico code in the path): a
durable pull consumer of its own delivers the one stored message (numbered 1), which is NAKed
with a 0.3 s delay; a pull request expiring in 0.1 s is sent; the server is paused (SIGSTOP)
for 0.6 s, past both, and resumed, so its loop wakes for the redelivery and the request's
expiry at once and takes them in either order. Then a fresh request fetches the next delivery:
it should be numbered 2. Prints each trial's numbers and how many went backwards.

With --bus, the same through Portico's NatsMessageBus (fetch_wait 0.1 s): each trial publishes
an event whose handler nacks every try (0.3 s retry delay, 3 tries) and pauses the server for
0.6 s 0.05 s after the first; prints the attempts the handler was given (1, 2, 3 expected).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats
import tests.support.nats as support
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from tests.support.nats import PrivateNats

from adapters.messaging.nats import NatsMessageBus
from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import Delivery, IntegrationEvent


def delivered(msg: Msg) -> int:
    return int(msg.metadata.num_delivered)


async def trial(nc: Client, js: JetStreamContext, number: int, server: PrivateNats) -> list[int]:
    name = f"C{number}"
    await js.add_consumer(
        "R", ConsumerConfig(durable_name=name, ack_policy=AckPolicy.EXPLICIT, ack_wait=30)
    )
    inbox, arrived = nc.new_inbox(), asyncio.Queue[Msg]()

    async def received(msg: Msg) -> None:
        if msg.reply:  # a message, not a request's status
            await arrived.put(msg)

    sub = await nc.subscribe(f"{inbox}.*", cb=received)
    subject = f"$JS.API.CONSUMER.MSG.NEXT.R.{name}"

    async def ask(request: int, expires: float) -> None:
        body = json.dumps({"batch": 1, "expires": int(expires * 1e9)}).encode()
        await nc.publish(subject, body, reply=f"{inbox}.{request}")

    await ask(1, 2.0)
    first = await asyncio.wait_for(arrived.get(), 5)
    numbers = [delivered(first)]
    await first.nak(delay=0.3)
    await ask(2, 0.1)
    await nc.flush()
    await asyncio.sleep(0.03)  # the server has the request
    assert server.process is not None
    server.process.send_signal(signal.SIGSTOP)  # past the request's expiry and the NAK's delay
    await asyncio.sleep(0.6)
    server.process.send_signal(signal.SIGCONT)
    for request in range(3, 6):
        await ask(request, 1.0)
        try:
            again = await asyncio.wait_for(arrived.get(), 1.5)
        except TimeoutError:
            continue
        numbers.append(delivered(again))
        await again.ack()
        break
    await sub.unsubscribe()
    return numbers


async def pause(server: PrivateNats) -> None:
    """Pause the server for 0.6 s, 0.05 s from now: past a 0.1 s request and a 0.3 s NAK."""
    assert server.process is not None
    await asyncio.sleep(0.05)
    server.process.send_signal(signal.SIGSTOP)
    await asyncio.sleep(0.6)
    server.process.send_signal(signal.SIGCONT)


async def through_bus(server: PrivateNats, trials: int) -> None:
    retry = RetryPolicy(max_deliveries=3, first_delay=0.3, max_delay=0.3, ack_wait=5.0)
    bus = NatsMessageBus(server.url, namespace="r", retry=retry, fetch_wait=0.1)
    await bus.start()
    attempts: dict[uuid.UUID, list[int]] = {}
    pauses: list[asyncio.Task[None]] = []

    async def handler(delivery: Delivery) -> None:
        tries = attempts.setdefault(delivery.event.id, [])
        tries.append(delivery.attempt)
        await delivery.nack()
        if len(tries) == 1:
            pauses.append(asyncio.create_task(pause(server)))

    subscription = await bus.subscribe("doomed", handler, contexts=["shop"])
    wrong = 0
    for number in range(trials):
        event = IntegrationEvent(
            id=uuid.uuid4(),
            type="shop.ThingHappened",
            version=1,
            occurred_at=datetime.now(UTC),
            aggregate_id=uuid.uuid4(),
            payload={},
        )
        await bus.publish(event)
        with contextlib.suppress(TimeoutError):  # a try that never came shows as missing
            async with asyncio.timeout(15):
                while len(attempts.get(event.id, [])) < 3:
                    await asyncio.sleep(0.05)
        tries = attempts.get(event.id, [])
        wrong += tries != [1, 2, 3]
        print(number, tries, flush=True)
    await asyncio.sleep(1.0)  # a last try's dead letter
    buried = len(await bus.dead_letters("doomed"))
    await subscription.stop()
    await bus.close()
    print(f"attempts not 1, 2, 3 in {wrong}/{trials} trials; {buried} dead-lettered")


async def main(path: str, trials: int, bus: bool) -> None:
    support.NATS_SERVER = path  # PrivateNats starts this binary
    if bus:
        with tempfile.TemporaryDirectory() as store, PrivateNats(Path(store)) as server:
            await through_bus(server, trials)
        return
    with tempfile.TemporaryDirectory() as store, PrivateNats(Path(store)) as server:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(name="R", subjects=["r.>"])
        await js.publish("r.x", b"event")
        backwards = 0
        for number in range(trials):
            numbers = await trial(nc, js, number, server)
            backwards += len(numbers) > 1 and numbers[1] < 2
            print(number, numbers, flush=True)
        await nc.close()
    print(f"the redelivery not numbered 2 in {backwards}/{trials} trials")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="/usr/sbin/nats-server")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--bus", action="store_true", help="through NatsMessageBus")
    arguments = parser.parse_args()
    print(subprocess.run([arguments.server, "--version"], capture_output=True, text=True).stdout)
    asyncio.run(main(arguments.server, arguments.trials, arguments.bus))
