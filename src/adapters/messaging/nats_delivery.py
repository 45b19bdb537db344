"""One delivery and one subscription of the NATS bus, and what counts as the server being away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import nats.errors
from nats.aio.msg import Msg

from domain.shared.messaging import Delivery, IntegrationEvent, Subscription

if TYPE_CHECKING:
    from adapters.messaging.nats import NatsMessageBus

# What nats-py raises when the server is away or slow.
UNAVAILABLE = (nats.errors.Error, TimeoutError, OSError)


def why(error: BaseException) -> str:
    return str(error) or type(error).__name__


class NatsDelivery(Delivery):
    def __init__(
        self, bus: NatsMessageBus, consumer: str, msg: Msg, event: IntegrationEvent, attempt: int
    ) -> None:
        self._bus, self._consumer, self._msg = bus, consumer, msg
        self.event = event
        self.attempt = attempt
        self.settled = False

    async def ack(self) -> None:
        if self.settled:
            return
        self.settled = True
        with contextlib.suppress(*UNAVAILABLE):  # unacked: it comes back, the inbox skips it
            await self._msg.ack()

    async def nack(self) -> None:
        if self.settled:
            return
        self.settled = True
        policy = self._bus.retry
        with contextlib.suppress(*UNAVAILABLE):
            if self.attempt >= policy.max_deliveries:
                await self._bus.dead_letter(self._consumer, self._msg.data)
                await self._msg.term()
            else:
                await self._msg.nak(delay=policy.delay(self.attempt))


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
