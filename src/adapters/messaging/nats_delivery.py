"""One delivery and one subscription of the NATS bus, and what counts as the server being away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import nats.errors
from nats.aio.msg import Msg

from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import Delivery, IntegrationEvent, Subscription

# What nats-py raises when the server is away or slow.
UNAVAILABLE = (nats.errors.Error, TimeoutError, OSError)


def delivered(msg: Msg) -> int:
    """How many times JetStream has delivered `msg`, this time included, read from its reply
    subject alone (`$JS.ACK.<stream>.<consumer>.<delivered>...`, or with a domain and an
    account hash before the stream): nats-py's `Msg.metadata` parses every field into objects
    (a datetime among them) for this one number. Any other reply is left to it (it raises)."""
    tokens = (msg.reply or "").split(".")
    if tokens[:2] == ["$JS", "ACK"]:
        if len(tokens) == 9:
            return int(tokens[4])
        if len(tokens) >= 11:
            return int(tokens[6])
    return msg.metadata.num_delivered


def why(error: BaseException) -> str:
    return str(error) or type(error).__name__


class NatsDelivery(Delivery):
    """`dead_letter` publishes the raw message where the consumer's dead letters go. With
    `acks`, an ack is kept there for the puller to send with its batch's others (one write to
    the server for the batch, not one an event)."""

    def __init__(
        self,
        msg: Msg,
        event: IntegrationEvent,
        attempt: int,
        *,
        retry: RetryPolicy,
        dead_letter: Callable[[bytes], Awaitable[None]],
        acks: list[Msg] | None = None,
    ) -> None:
        self._msg, self._retry, self._dead_letter = msg, retry, dead_letter
        self._acks = acks
        self.event = event
        self.attempt = attempt
        self.settled = False

    async def ack(self) -> None:
        if self.settled:
            return
        self.settled = True
        if self._acks is not None:
            self._acks.append(self._msg)
            return
        await send_acks([self._msg])

    async def extend(self) -> None:
        if not self.settled:
            with contextlib.suppress(*UNAVAILABLE):  # if it comes back, the inbox skips it
                await self._msg.in_progress()

    async def nack(self) -> None:
        if self.settled:
            return
        self.settled = True
        with contextlib.suppress(*UNAVAILABLE):
            if self.attempt >= self._retry.max_deliveries:
                await self._dead_letter(self._msg.data)
                await self._msg.term()
            else:
                await self._msg.nak(delay=self._retry.delay(self.attempt))


async def send_acks(messages: list[Msg]) -> None:
    """Ack `messages`; nats-py writes what is queued in one loop turn together."""
    with contextlib.suppress(*UNAVAILABLE):  # unacked: it comes back, the inbox skips it
        for msg in messages:
            await msg.ack()


class NatsSubscription(Subscription):
    def __init__(
        self,
        tasks: list[asyncio.Task[None]],
        stopping: asyncio.Event,
        cleanup: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._tasks = tasks
        self._stopping = stopping
        self._cleanup = cleanup

    async def stop(self) -> None:
        self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        cleanup, self._cleanup = self._cleanup, None
        if cleanup is not None:
            await cleanup()
