"""Puller: the loop behind one pull subscription of the NATS bus. It fetches a batch
(nats_fetch.py), hands each message to the handler as a NatsDelivery, dead-letters what cannot
be decoded or has used up its tries, and on shutdown hands back what it fetched but did not
start, for another puller.

Within a batch, the messages of one aggregate are handled one after the other, in their order;
those of different aggregates at the same time, at most `slots` handlers at once over every
puller that shares the semaphore (the bus's `consumer_concurrency`). The next batch is fetched
when the whole batch is done, so an aggregate's events never overtake each other. With
`Together` (`subscribe_batches`), the batch's events are handed to its handler at once instead,
in their order, in one slot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import msgspec
from nats.aio.msg import Msg

from adapters.messaging.envelope import ORGANISATION_HEADER, TenantMismatch, decode
from adapters.messaging.nats_delivery import (
    UNAVAILABLE,
    NatsDelivery,
    delivered,
    send_acks,
    why,
)
from adapters.messaging.nats_fetch import PullRequests
from adapters.messaging.nats_listener import NatsListener
from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import (
    BatchHandler,
    BusUnavailable,
    Handler,
    IntegrationEvent,
)

_log = logging.getLogger("portico.bus.nats")
# How long a fetch waits for a first message: an idle puller sends a pull request this often.
FETCH_WAIT = 0.5


@dataclass(frozen=True)
class Together:
    """A batch handler: each fetch's events (up to `at_most`) at once, not one at a time."""

    handler: BatchHandler
    at_most: int


class Puller:
    def __init__(
        self,
        *,
        batch: int,
        retry: RetryPolicy,
        dead_letter: Callable[[bytes], Awaitable[None]],
        closing: Callable[[], bool],
        slots: asyncio.Semaphore,
        wait: float = FETCH_WAIT,
    ) -> None:
        self._batch, self._wait = batch, wait
        self._slots = slots
        self._retry = retry
        self._dead_letter = dead_letter
        self._closing = closing

    async def run(
        self,
        pull: PullRequests,
        consumer: str,
        handler: Handler | Together,
        stopping: asyncio.Event,
        listener: NatsListener | None = None,
    ) -> None:
        while not stopping.is_set():
            try:
                if listener is not None:
                    await listener.check()
                messages = await pull.fetch(self._batch, self._wait)
            except (*UNAVAILABLE, BusUnavailable) as error:
                if not self._closing():
                    _log.warning("fetch for %s failed: %s", consumer, why(error))
                await _sleep_unless(stopping, 0.5)
                continue
            if messages:
                await self._handle_batch(messages, handler, stopping)
        with contextlib.suppress(*UNAVAILABLE):
            await pull.close()

    async def _handle_batch(
        self, messages: list[Msg], handler: Handler | Together, stopping: asyncio.Event
    ) -> None:
        """The batch's acks wait for its end, then go together: a later ack only means a
        longer redelivery window (the inbox skips a redelivered event)."""
        acks: list[Msg] = []
        try:
            if isinstance(handler, Together):
                await self._hand_over(messages, handler.handler, stopping, acks)
            else:
                await self._handle_groups(messages, handler, stopping, acks)
        finally:
            await send_acks(acks)

    async def _hand_over(
        self, messages: list[Msg], together: BatchHandler, stopping: asyncio.Event, acks: list[Msg]
    ) -> None:
        """The batch's deliveries to `together` at once, what cannot be read or has used up
        its tries buried first, as one at a time would."""
        deliveries: list[NatsDelivery] = []
        handed: list[Msg] = []
        for msg in messages:
            event = await self._decoded(msg)
            if event is None:
                continue
            attempt = delivered(msg)
            if attempt > self._retry.max_deliveries:
                await self._bury(msg)
                continue
            handed.append(msg)
            deliveries.append(
                NatsDelivery(
                    msg, event, attempt, retry=self._retry, dead_letter=self._dead_letter, acks=acks
                )
            )
        if not deliveries:
            return
        async with self._slots:
            if stopping.is_set():
                for msg in handed:  # hand them back at once, for another puller
                    with contextlib.suppress(*UNAVAILABLE):
                        await msg.nak()
                return
            try:
                await together(deliveries)
            except Exception:
                for delivery in deliveries:  # those it settled stay settled
                    await delivery.nack()

    async def _handle_groups(
        self, messages: list[Msg], handler: Handler, stopping: asyncio.Event, acks: list[Msg]
    ) -> None:
        groups: dict[object, list[tuple[Msg, IntegrationEvent | None]]] = {}
        for msg in messages:
            event = await self._decoded(msg)
            # What cannot be read is buried already: it waits for nothing, in a group of its own.
            key: object = id(msg) if event is None else event.aggregate_id
            groups.setdefault(key, []).append((msg, event))
        if len(groups) == 1:
            (group,) = groups.values()
            await self._handle_group(group, handler, stopping, acks)
            return
        outcomes = await asyncio.gather(
            *(self._handle_group(group, handler, stopping, acks) for group in groups.values()),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome  # as when handled one by one: after the others are done

    async def _handle_group(
        self,
        group: list[tuple[Msg, IntegrationEvent | None]],
        handler: Handler,
        stopping: asyncio.Event,
        acks: list[Msg],
    ) -> None:
        """One aggregate's messages of the batch, in their order."""
        for number, (msg, event) in enumerate(group):
            if event is None:
                continue
            async with self._slots:
                if stopping.is_set():
                    # Shutting down: hand the rest back at once, for another puller.
                    for rest, _ in group[number:]:
                        with contextlib.suppress(*UNAVAILABLE):
                            await rest.nak()
                    return
                await self._deliver(msg, event, handler, acks)

    async def _decoded(self, msg: Msg) -> IntegrationEvent | None:
        """The message's event, or None once a message that is not one is dead-lettered."""
        try:
            return decode(msg.data, (msg.headers or {}).get(ORGANISATION_HEADER))
        except (msgspec.DecodeError, msgspec.ValidationError):
            _log.error("not an event envelope on %s; dead-lettered", msg.subject)
        except TenantMismatch as error:
            # Never guess the tenant of a message that names two.
            _log.error("%s on %s; dead-lettered", error, msg.subject)
        await self._bury(msg)
        return None

    async def _deliver(
        self, msg: Msg, event: IntegrationEvent, handler: Handler, acks: list[Msg]
    ) -> None:
        attempt = delivered(msg)
        if attempt > self._retry.max_deliveries:
            await self._bury(msg)
            return
        delivery = NatsDelivery(
            msg, event, attempt, retry=self._retry, dead_letter=self._dead_letter, acks=acks
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
