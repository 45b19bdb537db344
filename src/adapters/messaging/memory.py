"""MemoryMessageBus: the MessageBus contract inside one process, for the defaults and tests.

Like JetStream: a log per context, durable consumer positions shared by every subscription of
a name (`subscribe`) or owned by one subscription (`listen`), explicit ack, redelivery after a
nack (with back-off) or after `ack_wait` without an answer, and dead letters after the last
try. Everything is lost when the process ends.

Unlike JetStream's stream, a log forgets the events every position in it has settled (in chunks
of `_FORGET_EVERY`): the embedded server publishes two events per order, and a log that kept them
all grew without end, each event five more objects for every full pass of the garbage collector
to walk (500,000 after 100,000 events: a 180 ms pause; bench/README.md, session 17). A consumer
that subscribes after the others settled a chunk starts at what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import (
    BatchHandler,
    Delivery,
    Handler,
    IntegrationEvent,
    MessageBus,
    Subscription,
)
from application.shared.ports.tracing import NoTracing, Tracing

_DUPLICATE_IDS_KEPT = 100_000
_FORGET_EVERY = 1024


class _Pulse:
    """Wakes every waiter when something changed. `version` counts changes, so a waiter that
    looked before a change and waits after it returns at once instead of missing it."""

    def __init__(self) -> None:
        self.version = 0
        self._waiters: list[asyncio.Future[None]] = []

    def notify(self) -> None:
        self.version += 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self, since: int, at_most: float) -> None:
        if self.version != since:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, at_most)


@dataclass(eq=False)  # by identity: a log's weak set of positions holds it
class _Durable:
    """One consumer's position in one context's log."""

    cursor: int = 0
    attempts: dict[int, int] = field(default_factory=dict)
    in_flight: dict[int, float] = field(default_factory=dict)  # index -> ack deadline
    retry_at: dict[int, float] = field(default_factory=dict)  # index -> when

    def next_index(self, size: int, now: float) -> int | None:
        for index, deadline in list(self.in_flight.items()):
            if deadline <= now:  # nobody answered: try again
                del self.in_flight[index]
                self.retry_at[index] = now
        due = [index for index, at in self.retry_at.items() if at <= now]
        if due:
            index = min(due)
            del self.retry_at[index]
            return index
        if self.cursor < size:
            self.cursor += 1
            return self.cursor - 1
        return None

    def next_change(self, now: float) -> float:
        times = [*self.in_flight.values(), *self.retry_at.values()]
        return max(0.0, min(times) - now) if times else 1.0

    def settle(self, index: int) -> None:
        self.in_flight.pop(index, None)
        self.attempts.pop(index, None)

    def unacked(self, size: int) -> int:
        return (size - self.cursor) + len(self.attempts)

    def settled_below(self) -> int:
        """Every index below this one is settled here (acked, buried, or never to be read)."""
        return min(self.attempts, default=self.cursor)  # each attempted index is below cursor


class _Log:
    """One context's events by index from its first; those below `first` are forgotten."""

    def __init__(self) -> None:
        self.first = 0
        self._events: list[IntegrationEvent] = []
        # Every position reading this log, durable or a listener's own (gone when it stops).
        self.positions: weakref.WeakSet[_Durable] = weakref.WeakSet()

    def __len__(self) -> int:
        return self.first + len(self._events)

    def __getitem__(self, index: int) -> IntegrationEvent:
        return self._events[index - self.first]

    def __iter__(self) -> Iterator[IntegrationEvent]:
        return iter(self._events)

    def append(self, event: IntegrationEvent) -> None:
        self._events.append(event)

    def forget_settled(self) -> None:
        """Drop the events every position has settled, once they make a chunk."""
        below = min((position.settled_below() for position in self.positions), default=0)
        if below - self.first >= _FORGET_EVERY:
            del self._events[: below - self.first]
            self.first = below


class MemoryBroker:
    """The state every MemoryMessageBus handle of a process shares (as a server would)."""

    def __init__(self) -> None:
        self.logs: dict[str, _Log] = {}
        # The ids as ints: the collector does not track ints, as it would 100,000 UUIDs.
        self.recent_ids: OrderedDict[int, None] = OrderedDict()
        self.durables: dict[tuple[str, str], _Durable] = {}
        self.dead: dict[str, list[IntegrationEvent]] = {}
        self.pulse = _Pulse()

    def append(self, event: IntegrationEvent) -> None:
        key = event.id.int
        if key in self.recent_ids:
            return  # a re-send within the duplicate window
        self.recent_ids[key] = None
        if len(self.recent_ids) > _DUPLICATE_IDS_KEPT:
            self.recent_ids.popitem(last=False)
        self.log(event.context).append(event)
        self.pulse.notify()

    def log(self, context: str) -> _Log:
        found = self.logs.get(context)
        if found is None:
            found = self.logs[context] = _Log()
        return found


class _MemoryDelivery(Delivery):
    def __init__(
        self,
        bus: MemoryMessageBus,
        consumer: str,
        durable: _Durable,
        index: int,
        event: IntegrationEvent,
    ) -> None:
        self._bus, self._consumer, self._durable, self._index = bus, consumer, durable, index
        self.event = event
        self.attempt = durable.attempts[index]
        self.settled = False

    async def ack(self) -> None:
        if not self.settled:
            self.settled = True
            self._durable.settle(self._index)

    async def extend(self) -> None:
        if not self.settled and self._index in self._durable.in_flight:
            self._durable.in_flight[self._index] = time.monotonic() + self._bus.retry.ack_wait

    async def nack(self) -> None:
        if self.settled:
            return
        self.settled = True
        durable, policy = self._durable, self._bus.retry
        if self.attempt >= policy.max_deliveries:
            self._bus.bury(self._consumer, self.event)
            durable.settle(self._index)
        else:
            durable.in_flight.pop(self._index, None)
            durable.retry_at[self._index] = time.monotonic() + policy.delay(self.attempt)
        self._bus.broker.pulse.notify()


class _MemorySubscription(Subscription):
    def __init__(self, tasks: list[asyncio.Task[None]], stopping: asyncio.Event) -> None:
        self._tasks = tasks
        self._stopping = stopping

    async def stop(self) -> None:
        self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class MemoryMessageBus(MessageBus):
    def __init__(
        self,
        broker: MemoryBroker | None = None,
        retry: RetryPolicy | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.broker = broker or MemoryBroker()
        self.retry = retry or RetryPolicy()
        self._tracing = tracing or NoTracing()
        self._dead_lettered: Counter[str] = Counter()

    async def start(self) -> None:
        return None

    def bury(self, consumer: str, event: IntegrationEvent) -> None:
        """To `consumer`'s dead letters, after its last attempt."""
        self.broker.dead.setdefault(consumer, []).append(event)
        self._dead_lettered[consumer] += 1

    def dead_lettered(self) -> Mapping[str, int]:
        return self._dead_lettered

    async def close(self) -> None:
        return None

    async def publish(self, event: IntegrationEvent) -> None:
        tracing = self._tracing
        with tracing.span(f"{event.type} publish", kind="producer", parent=event.traceparent):
            # The consumer's span becomes a child of this one (as a NATS header would make it).
            traceparent = tracing.traceparent()
            if traceparent is not None:
                event = replace(event, traceparent=traceparent)
            self.broker.append(event)

    async def subscribe(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription:
        return self._subscribe(consumer, _one_at_a_time(handler), 1, contexts)

    async def subscribe_batches(
        self, consumer: str, handler: BatchHandler, *, contexts: Sequence[str], at_most: int = 10
    ) -> Subscription:
        return self._subscribe(consumer, handler, at_most, contexts)

    def _subscribe(
        self, consumer: str, handler: BatchHandler, at_most: int, contexts: Sequence[str]
    ) -> Subscription:
        stopping = asyncio.Event()
        tasks = []
        for context in contexts:
            durable = self.broker.durables.setdefault((consumer, context), _Durable())
            self.broker.log(context).positions.add(durable)
            pull = self._pull(consumer, context, durable, handler, at_most, stopping)
            tasks.append(asyncio.create_task(pull, name=f"bus:{consumer}:{context}"))
        return _MemorySubscription(tasks, stopping)

    async def listen(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription:
        return self._listen(consumer, _one_at_a_time(handler), 1, contexts)

    async def listen_batches(
        self, consumer: str, handler: BatchHandler, *, contexts: Sequence[str], at_most: int = 10
    ) -> Subscription:
        return self._listen(consumer, handler, at_most, contexts)

    def _listen(
        self, consumer: str, handler: BatchHandler, at_most: int, contexts: Sequence[str]
    ) -> Subscription:
        # A position of its own, kept by the subscription alone and starting at the end of
        # each log: it hears only what is published from now on, and is gone when it stops.
        stopping = asyncio.Event()
        tasks = []
        for context in contexts:
            log = self.broker.log(context)
            durable = _Durable(cursor=len(log))
            log.positions.add(durable)
            pull = self._pull(consumer, context, durable, handler, at_most, stopping)
            tasks.append(asyncio.create_task(pull, name=f"bus:{consumer}:{context}:listen"))
        return _MemorySubscription(tasks, stopping)

    async def _pull(
        self,
        consumer: str,
        context: str,
        durable: _Durable,
        handler: BatchHandler,
        at_most: int,
        stopping: asyncio.Event,
    ) -> None:
        """Hands `handler` up to `at_most` deliveries at a time, until `stopping`."""
        broker = self.broker
        while not stopping.is_set():
            log = broker.log(context)
            log.forget_settled()
            seen = broker.pulse.version
            now = time.monotonic()
            deliveries: list[_MemoryDelivery] = []
            buried = False
            while len(deliveries) < at_most:
                index = durable.next_index(len(log), now)
                if index is None:
                    break
                durable.attempts[index] = durable.attempts.get(index, 0) + 1
                event = log[index]
                if durable.attempts[index] > self.retry.max_deliveries:
                    # The last try ended without an answer (its consumer died): give up on it.
                    self.bury(consumer, event)
                    durable.settle(index)
                    buried = True
                    continue
                durable.in_flight[index] = now + self.retry.ack_wait
                deliveries.append(_MemoryDelivery(self, consumer, durable, index, event))
            if not deliveries:
                if not buried:
                    await _first_of(stopping, broker.pulse.wait(seen, durable.next_change(now)))
                continue
            try:
                await handler(deliveries)
            except Exception:
                for delivery in deliveries:  # those it settled stay settled
                    await delivery.nack()

    async def dead_letters(self, consumer: str) -> list[IntegrationEvent]:
        return list(self.broker.dead.get(consumer, []))

    async def lag(self, consumer: str, context: str) -> int:
        durable = self.broker.durables.get((consumer, context))
        size = len(self.broker.log(context))
        return size if durable is None else durable.unacked(size)

    async def ping(self) -> None:
        return None


def _one_at_a_time(handler: Handler) -> BatchHandler:
    """`handler` where a puller hands lists: it fetches one at a time for it."""

    async def handle(deliveries: Sequence[Delivery]) -> None:
        await handler(deliveries[0])

    return handle


async def _first_of(stopping: asyncio.Event, waiting: object) -> None:
    stop = asyncio.ensure_future(stopping.wait())
    other = asyncio.ensure_future(waiting)  # type: ignore[call-overload]
    try:
        await asyncio.wait({stop, other}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        other.cancel()
