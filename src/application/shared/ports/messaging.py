"""Integration events and the MessageBus port: how contexts tell each other what happened.

Domain events are facts inside one context. An IntegrationEvent is the published, versioned
contract built from one: other contexts and other services depend on its `type`, `version` and
`payload`, never on the domain classes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.shared.tenant import Tenant

_SINGLE = Tenant.single()


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrationEvent:
    """The envelope every published event travels in.

    `type` is "<context>.<Name>" (e.g. "catalog.ProductCreated"); `version` is the schema version
    of `payload` for that type. `correlation_id` ties together everything one request caused;
    `causation_id` is the id of the event (or request) that directly caused this one. `actor`
    names who acted, when someone did. `traceparent` is the W3C trace context of the span
    that committed (then published) the event, when tracing is on: the consumer's span joins
    that trace. `tenant` is the organisation the event belongs to (DomainEvent.tenant; the
    single tenant for events of no organisation, and for events stored or sent before it was
    carried): a consumer acts within it.
    """

    id: UUID
    type: str
    version: int
    occurred_at: datetime
    aggregate_id: UUID
    payload: dict[str, Any] = field(default_factory=dict)
    correlation_id: str | None = None
    causation_id: str | None = None
    actor: str | None = None
    traceparent: str | None = None
    tenant: Tenant = _SINGLE

    @property
    def context(self) -> str:
        """The bounded context that published the event: the type's first part."""
        return self.type.split(".", 1)[0]


class Delivery(ABC):
    """One delivery of an event to a consumer. Settle it exactly once: `ack` or `nack`.

    A delivery that is never settled (the consumer died) is delivered again once the bus's
    acknowledgement wait is over.
    """

    event: IntegrationEvent
    attempt: int
    """1 for the first delivery, 2 for the first redelivery, and so on."""

    @abstractmethod
    async def ack(self) -> None:
        """The consumer is done with the event: never deliver it to this consumer again."""

    @abstractmethod
    async def nack(self) -> None:
        """The consumer failed: deliver again after a back-off, or dead-letter it after the
        last attempt."""

    @abstractmethod
    async def extend(self) -> None:
        """The consumer still holds the event (it waits for a dependency): restart the
        acknowledgement wait, so it is not delivered again meanwhile."""


Handler = Callable[[Delivery], Awaitable[None]]
# Several deliveries at once (`MessageBus.subscribe_batches`), in delivery order; the handler
# settles each of them.
BatchHandler = Callable[[Sequence[Delivery]], Awaitable[None]]


class Subscription(ABC):
    @abstractmethod
    async def stop(self) -> None:
        """Stop asking for events, finish the one in hand, hand back the rest; then return."""


class BusUnavailable(Exception):
    """The bus cannot take or give events right now; the caller may try again later."""


class MessageBus(ABC):
    """Publish integration events and deliver them to named consumers, at least once.

    Two ways to receive:
    - `subscribe` (shared, durable): each consumer name is one durable position, shared by
      every subscription under that name, so several processes share the load and each event
      is handled once overall; events published while nobody listens wait for the name.
    - `listen` (fan-out): every listening subscription gets its own copy of each event,
      whichever process it is in; it only hears what is published while it exists.

    Every event published to a context reaches every consumer subscribed to that context.
    Events of one context reach a consumer in the order they were published, except for
    redeliveries. Publishing an event id twice within the bus's duplicate window delivers it
    once.
    """

    @abstractmethod
    async def start(self) -> None:
        """Connect; raise BusUnavailable when the bus cannot be reached."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def publish(self, event: IntegrationEvent) -> None:
        """Return once the bus holds the event durably; raise BusUnavailable otherwise."""

    async def publish_all(self, events: Sequence[IntegrationEvent]) -> int:
        """Publish in order; return how many, from the first, the bus confirmed.

        Stops at the first failure. Adapters may pipeline; events after the first failure may
        still have reached the bus, so a retry relies on duplicate detection.
        """
        for count, event in enumerate(events):
            try:
                await self.publish(event)
            except BusUnavailable:
                return count
        return len(events)

    @abstractmethod
    async def subscribe(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription:
        """Deliver the events of `contexts` to `handler` under the durable name `consumer`."""

    async def subscribe_batches(
        self, consumer: str, handler: BatchHandler, *, contexts: Sequence[str], at_most: int = 10
    ) -> Subscription:
        """`subscribe`, with what one fetch from the bus brought handed over at once (at most
        `at_most`, in delivery order; one aggregate's in their order): a handler
        may apply them together (one transaction), and settles each. The next batch waits
        until this one is handled. Adapters that cannot fetch several hand batches of one."""

        async def one(delivery: Delivery) -> None:
            await handler([delivery])

        return await self.subscribe(consumer, one, contexts=contexts)

    @abstractmethod
    async def listen(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription:
        """Deliver to `handler`, and to this subscription alone, every event of `contexts`
        published after this returns: each listening subscription, in this process or another,
        gets its own copy (fan-out), unlike `subscribe`'s shared position.

        For work every process must do for itself (e.g. dropping entries of its own cache).
        Nothing outlives the subscription: `stop` (or the process's end) removes it, and
        events published while it did not exist are never delivered to it. Settling, retries
        and dead letters work as for `subscribe`; dead letters are kept under `consumer`.
        """

    async def listen_batches(
        self, consumer: str, handler: BatchHandler, *, contexts: Sequence[str], at_most: int = 10
    ) -> Subscription:
        """`listen`, with what one fetch brought handed over at once, as `subscribe_batches`
        does for a shared position. Adapters that cannot fetch several hand batches of one."""

        async def one(delivery: Delivery) -> None:
            await handler([delivery])

        return await self.listen(consumer, one, contexts=contexts)

    @abstractmethod
    async def dead_letters(self, consumer: str) -> list[IntegrationEvent]:
        """The events `consumer` gave up on after its last attempt, oldest first."""

    def dead_lettered(self) -> Mapping[str, int]:
        """How many events this process sent to each consumer's dead letters since it started
        (for metrics: the dead letters themselves are shared, `dead_letters`)."""
        return {}

    @abstractmethod
    async def lag(self, consumer: str, context: str) -> int:
        """How many events of `context` `consumer` has not yet acknowledged."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise BusUnavailable unless the bus answers now."""
