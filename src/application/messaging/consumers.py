"""Consumers of integration events, and the runner that feeds them from the bus.

A consumer is idempotent: it opens its own unit of work, asks the inbox whether it already
applied the event (`uow.inbox.first_time(...)`) and commits the inbox record with its effect, so
the bus's at-least-once delivery gives an effect exactly once.

A `BatchConsumer` may also apply what one fetch from the bus brought in one unit of work (one
commit, on PostgreSQL one statement, for the batch): all of it or, if anything in it fails or
was applied already, one event at a time, so a bad event fails alone.

Adding a consumer: write a `Consumer` subclass in the application package of its context,
register it in the container's `consumers` list, and every worker runs it (see docs/messaging.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from application.messaging.context import MessageContext, message_context
from application.shared.errors import DependencyUnavailable
from application.shared.ports.messaging import (
    BatchHandler,
    Delivery,
    Handler,
    IntegrationEvent,
    MessageBus,
    Subscription,
)
from application.shared.ports.tracing import NoTracing, Tracing

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
# While a consumer's store is down, the event in hand is tried again after these pauses.
OUTAGE_FIRST_PAUSE, OUTAGE_MAX_PAUSE = 0.25, 5.0
_log = logging.getLogger("portico.consumers")


class _Subscribe(Protocol):  # MessageBus.subscribe or .listen
    async def __call__(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription: ...


class _SubscribeBatches(Protocol):  # MessageBus.subscribe_batches or .listen_batches
    async def __call__(
        self, consumer: str, handler: BatchHandler, *, contexts: Sequence[str], at_most: int = 10
    ) -> Subscription: ...


class Consumer(ABC):
    """`name` is the durable position on the bus (one per consumer, shared by every worker);
    `contexts` are the bounded contexts whose events it receives.

    Run as a listener (`ConsumerRunner(..., listeners=[...])`), a consumer instead gets every
    event in every process that runs it (`MessageBus.listen`); `name` then only names it (in
    logs, counters and dead letters).
    """

    name: str
    contexts: tuple[str, ...]

    @abstractmethod
    async def __call__(self, event: IntegrationEvent) -> bool:
        """Apply the event; return False when it was already applied (or is of no interest).
        Raise to have it delivered again later."""


class BatchConsumer(Consumer):
    """A consumer that can apply several events in one unit of work: fewer round trips and
    commits than one unit of work each, when the bus brings several at once (`at_most`)."""

    # At most this many events a batch. More means fewer fetches, acks and commits per event,
    # but a batch must be done within the bus's ack wait (PORTICO_BUS_ACK_WAIT): keep it small
    # for an effect that waits on something slow (a webhook per event).
    at_most = 10

    @abstractmethod
    async def apply_all(self, events: Sequence[IntegrationEvent]) -> None:
        """Apply every one of `events` (two or more, in their order) in one unit of work, all
        or nothing. Raise if that cannot be (one was applied already, one fails), keeping
        nothing: the runner then applies them one at a time (`__call__`), where a duplicate
        is skipped and a bad event fails alone. Runs in no message context (no one event is
        the cause): its effect must record no events. An effect outside any store, which cannot
        be undone, is instead recorded as far as it went (a delivery log), so that one at a time
        repeats none of it."""


def event_span(
    tracing: Tracing, consumer: str, event: IntegrationEvent, attempt: int | None = None
) -> contextlib.AbstractContextManager[None]:
    """The span of `consumer` processing `event`: a child of the span the event was published
    in, continuing the trace of the request that committed it. A batch consumer whose effect
    is per event (a notification) opens it around each event's part of the batch."""
    attributes: dict[str, str | int] = {
        "messaging.consumer.group.name": consumer,
        "messaging.message.id": str(event.id),
        "portico.organisation.id": str(event.tenant.organisation_id),
    }
    if attempt is not None:
        attributes["messaging.delivery.attempt"] = attempt
    return tracing.span(
        f"{event.type} process", kind="consumer", parent=event.traceparent, attributes=attributes
    )


@dataclass(slots=True)
class ConsumerStats:
    delivered: int = 0
    applied: int = 0
    skipped: int = 0
    failed: int = 0


class ConsumerRunner:
    """Feeds `consumers` from their shared durable positions (`subscribe`: each event handled
    once overall) and `listeners` with a copy of their own (`listen`: each event handled in
    every process that runs them)."""

    def __init__(
        self,
        bus: MessageBus,
        consumers: Sequence[Consumer],
        listeners: Sequence[Consumer] = (),
        tracing: Tracing | None = None,
    ) -> None:
        names = [consumer.name for consumer in (*consumers, *listeners)]
        for name in names:
            if not _NAME.fullmatch(name):
                raise ValueError(f"consumer name {name!r}: use [a-z][a-z0-9_-]*")
        if len(set(names)) != len(names):
            raise ValueError(f"consumer names must differ: {names}")
        self._bus = bus
        self._tracing = tracing or NoTracing()
        self.consumers = list(consumers)
        self.listeners = list(listeners)
        self.stats = {name: ConsumerStats() for name in names}
        self._subscriptions: list[Subscription] = []
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping.clear()
        for consumer in self.consumers:
            await self._feed(consumer, self._bus.subscribe, self._bus.subscribe_batches)
        for listener in self.listeners:
            await self._feed(listener, self._bus.listen, self._bus.listen_batches)

    async def _feed(self, consumer: Consumer, one: _Subscribe, batches: _SubscribeBatches) -> None:
        """Subscribe `consumer` with the bus's `one` (event at a time) or, for a batch consumer,
        `batches`: `subscribe` and `subscribe_batches` for a consumer, `listen` and
        `listen_batches` for a listener."""
        if isinstance(consumer, BatchConsumer):
            subscription = await batches(
                consumer.name,
                self._batch_handler(consumer),
                contexts=consumer.contexts,
                at_most=consumer.at_most,
            )
        else:
            subscription = await one(
                consumer.name, self._handler(consumer), contexts=consumer.contexts
            )
        self._subscriptions.append(subscription)

    async def stop(self) -> None:
        """Stop fetching, let in-flight events finish and be acknowledged."""
        self._stopping.set()
        subscriptions, self._subscriptions = self._subscriptions, []
        # Together: a NATS subscription waits for its open pull request to end (up to half a
        # second), so one after the other the stop took that once per consumer and listener.
        await asyncio.gather(*(subscription.stop() for subscription in subscriptions))

    def _handler(self, consumer: Consumer) -> Handler:
        stats = self.stats[consumer.name]

        async def handle(delivery: Delivery) -> None:
            stats.delivered += 1
            event = delivery.event
            # What the consumer commits is caused by this event, in the same conversation,
            # within the event's tenant.
            caused_by = MessageContext(event.correlation_id, str(event.id), None, event.tenant)
            # The span continues the trace of the request that committed the event.
            span = event_span(self._tracing, consumer.name, event, delivery.attempt)
            try:
                with span:
                    applied = await self._until_reachable(consumer, delivery, caused_by)
            except DependencyUnavailable:  # stopping while its store is still down
                stats.failed += 1
                await delivery.nack()
                return
            except Exception:
                stats.failed += 1
                _log.exception(
                    "consumer %s failed on %s %s (attempt %d)",
                    consumer.name,
                    event.type,
                    event.id,
                    delivery.attempt,
                )
                await delivery.nack()
                return
            if applied:
                stats.applied += 1
            else:
                stats.skipped += 1
            await delivery.ack()

        return handle

    def _batch_handler(self, consumer: BatchConsumer) -> BatchHandler:
        one = self._handler(consumer)
        stats = self.stats[consumer.name]

        async def handle(deliveries: Sequence[Delivery]) -> None:
            if len(deliveries) > 1 and await self._applied_together(consumer, deliveries):
                stats.delivered += len(deliveries)
                stats.applied += len(deliveries)
                for delivery in deliveries:  # after the commit
                    await delivery.ack()
                return
            # One at a time, in their order: each is applied, skipped or failed by itself (and
            # logged there, so the batch's failure is not).
            for delivery in deliveries:
                await one(delivery)

        return handle

    async def _applied_together(
        self, consumer: BatchConsumer, deliveries: Sequence[Delivery]
    ) -> bool:
        """Whether `apply_all` applied the whole batch, waiting out an outage of its store with
        the batch in hand as `_until_reachable` does for one."""
        events = [delivery.event for delivery in deliveries]
        # No one event is the batch's cause: its span starts a trace of its own, linked to the
        # span each event was published in (OpenTelemetry's messaging conventions).
        span = self._tracing.span(
            f"{consumer.name} process",
            kind="consumer",
            attributes={
                "messaging.consumer.group.name": consumer.name,
                "messaging.batch.message_count": len(deliveries),
            },
            links=[event.traceparent for event in events if event.traceparent],
        )
        pause = OUTAGE_FIRST_PAUSE
        with span:
            while True:
                try:
                    await consumer.apply_all(events)
                    return True
                except DependencyUnavailable:
                    if self._stopping.is_set():
                        return False  # one at a time, each handed back as the store is down
                    for delivery in deliveries:
                        await delivery.extend()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), pause)
                    pause = min(pause * 2, OUTAGE_MAX_PAUSE)
                except Exception:
                    return False

    async def _until_reachable(
        self, consumer: Consumer, delivery: Delivery, caused_by: MessageContext
    ) -> bool:
        """Apply the event, waiting out an outage of the consumer's store with the event in
        hand: an outage is nobody's failure, so it must not spend the event's deliveries and
        send it to the dead letters. The store logs the outage once; nothing is logged here."""
        pause = OUTAGE_FIRST_PAUSE
        while True:
            try:
                with message_context(caused_by):
                    return await consumer(delivery.event)
            except DependencyUnavailable:
                if self._stopping.is_set():
                    raise
                await delivery.extend()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), pause)
                pause = min(pause * 2, OUTAGE_MAX_PAUSE)
