"""Puller: the loop behind one pull subscription of the NATS bus. It fetches a batch, hands each
message to the handler as a NatsDelivery, dead-letters what cannot be decoded or has used up
its tries, and on shutdown hands back what it fetched but did not start, for another puller."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import msgspec
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from adapters.messaging.envelope import ORGANISATION_HEADER, TenantMismatch, decode
from adapters.messaging.nats_delivery import UNAVAILABLE, NatsDelivery, why
from adapters.messaging.nats_listener import NatsListener
from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import BusUnavailable, Handler

_log = logging.getLogger("portico.bus.nats")


class Puller:
    def __init__(
        self,
        *,
        batch: int,
        retry: RetryPolicy,
        dead_letter: Callable[[bytes], Awaitable[None]],
        closing: Callable[[], bool],
    ) -> None:
        self._batch = batch
        self._retry = retry
        self._dead_letter = dead_letter
        self._closing = closing

    async def run(
        self,
        pull: JetStreamContext.PullSubscription,
        consumer: str,
        handler: Handler,
        stopping: asyncio.Event,
        listener: NatsListener | None = None,
    ) -> None:
        while not stopping.is_set():
            try:
                if listener is not None:
                    pull = await listener.renewed(pull)
                messages = await pull.fetch(self._batch, timeout=0.5)
            except nats.errors.TimeoutError:
                continue
            except (*UNAVAILABLE, BusUnavailable) as error:
                if not self._closing():
                    _log.warning("fetch for %s failed: %s", consumer, why(error))
                await _sleep_unless(stopping, 0.5)
                continue
            for number, msg in enumerate(messages):
                if stopping.is_set():
                    # Shutting down: hand the rest back at once, for another puller.
                    for rest in messages[number:]:
                        with contextlib.suppress(*UNAVAILABLE):
                            await rest.nak()
                    break
                await self._deliver(msg, handler)
        with contextlib.suppress(*UNAVAILABLE):
            await pull.unsubscribe()

    async def _deliver(self, msg: Msg, handler: Handler) -> None:
        attempt = msg.metadata.num_delivered
        try:
            event = decode(msg.data, (msg.headers or {}).get(ORGANISATION_HEADER))
        except (msgspec.DecodeError, msgspec.ValidationError):
            _log.error("not an event envelope on %s; dead-lettered", msg.subject)
            await self._bury(msg)
            return
        except TenantMismatch as error:
            # Never guess the tenant of a message that names two.
            _log.error("%s on %s; dead-lettered", error, msg.subject)
            await self._bury(msg)
            return
        if attempt > self._retry.max_deliveries:
            await self._bury(msg)
            return
        delivery = NatsDelivery(
            msg, event, attempt, retry=self._retry, dead_letter=self._dead_letter
        )
        try:
            await handler(delivery)
        except Exception:
            await delivery.nack()

    async def _bury(self, msg: Msg) -> None:
        with contextlib.suppress(*UNAVAILABLE):
            await self._dead_letter(msg.data)
            await msg.term()


async def _sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
