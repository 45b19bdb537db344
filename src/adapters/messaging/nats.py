"""NatsMessageBus: the MessageBus on NATS JetStream (nats-py).

- One stream per bounded context, `<NAMESPACE>_<CONTEXT>`, over subjects
  `<namespace>.<context>.>`; an event goes to `<namespace>.<type>`, e.g.
  `portico.catalog.ProductCreated`. In a JetStream cluster each stream keeps `replicas` copies
  (its consumers as many); the client is given every server and fails over between them.
- Publishing sets `Nats-Msg-Id` to the event id, so a re-send inside the stream's duplicate
  window is dropped by the server, and the tenant's header (envelope.py: `headers`, `decode`).
  The subject has no tenant segment (docs/messaging.md says why).
- A consumer name is a durable pull consumer on each of its contexts' streams, with explicit
  ack; every process subscribed under that name pulls from it, so they share the work.
- A consumer handles the events of different aggregates at the same time, at most
  `consumer_concurrency` handlers at once in the process, and one aggregate's in their order
  (nats_pull.py); with `subscribe_batches`, each fetch (up to `fetch_batch`) at once.
- A failed delivery is NAKed with a growing delay, then dead-lettered to
  `<namespace>.dead-letters.<consumer>` (stream `<NAMESPACE>_DEAD_LETTERS`) and terminated
  (nats_pull.py; one server-side delivery more than the policy, so a last try whose process
  died is dead-lettered by the next puller, not dropped).
- `listen` (fan-out) makes a durable pull consumer of its own on each stream, `<consumer>-<random>`,
  for what is published from then on; `stop` deletes it, the server after `listener_expiry`
  seconds without a pull. One the server dropped while this process was cut off is made again
  within `listener_check` seconds from a little before its last contact (nats_listener.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import uuid
from collections import Counter
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, PubAck

from adapters.messaging.envelope import decode, encode, message_headers
from adapters.messaging.nats_delivery import UNAVAILABLE, NatsSubscription, why
from adapters.messaging.nats_listener import NatsListener
from adapters.messaging.nats_pull import Puller
from adapters.messaging.nats_streams import (
    consumer_config,
    consumer_lag,
    ensure_stream,
    read_dead_letters,
)
from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import (
    BatchHandler,
    BusUnavailable,
    Delivery,
    Handler,
    IntegrationEvent,
    MessageBus,
    Subscription,
)
from application.shared.ports.tracing import NoTracing, Tracing

_log = logging.getLogger("portico.bus.nats")
_NAMESPACE = re.compile(r"[a-z][a-z0-9_]{0,31}")


class NatsMessageBus(MessageBus):
    def __init__(
        self,
        servers: str | Sequence[str],  # a list, or one string, comma-separated
        *,
        namespace: str = "portico",
        replicas: int = 1,
        retry: RetryPolicy | None = None,
        fetch_batch: int = 10,
        consumer_concurrency: int = 8,
        timeout: float = 2.0,
        duplicate_window: float = 120.0,
        listener_expiry: float = 300.0,
        listener_check: float = 5.0,
        tracing: Tracing | None = None,
    ) -> None:
        if not _NAMESPACE.fullmatch(namespace):
            raise ValueError(f"NATS namespace {namespace!r}: use [a-z][a-z0-9_]*, at most 32")
        listed = servers.split(",") if isinstance(servers, str) else servers
        self.servers = [server.strip() for server in listed if server.strip()]
        if not self.servers:
            raise ValueError("NATS: no server given")
        self.url = ", ".join(self.servers)  # for messages
        self.namespace = namespace
        self.replicas = replicas
        self.retry = retry or RetryPolicy()
        self.fetch_batch = fetch_batch
        if consumer_concurrency < 1:
            raise ValueError("consumer_concurrency must be at least 1")
        # Handlers running at once in this process, over all its consumers and listeners.
        self._handling = asyncio.Semaphore(consumer_concurrency)
        self.timeout = timeout
        self.duplicate_window = duplicate_window
        self.listener_expiry = listener_expiry
        self.listener_check = listener_check
        self._tracing = tracing or NoTracing()
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._streams: set[str] = set()
        self._connecting = asyncio.Lock()
        self._closing = False
        self._subscriptions: list[NatsSubscription] = []
        self._dead_lettered: Counter[str] = Counter()

    # Names ---------------------------------------------------------------------------------
    def stream_name(self, context: str) -> str:
        return f"{self.namespace}_{context}".upper()

    def subject(self, event_type: str) -> str:
        return f"{self.namespace}.{event_type}"

    @property
    def dead_letter_stream(self) -> str:
        return f"{self.namespace}_DEAD_LETTERS".upper()

    def dead_letter_subject(self, consumer: str) -> str:
        return f"{self.namespace}.dead-letters.{consumer}"

    # Connection ----------------------------------------------------------------------------
    async def start(self) -> None:
        async with self._connecting:
            if self._nc is not None and not self._nc.is_closed:
                return
            try:
                # nats-py retries a first connection forever when reconnects are unlimited:
                # bound it (a timeout per server), so a caller (a probe, a worker starting)
                # gets an answer.
                async with asyncio.timeout(self.timeout * len(self.servers)):
                    self._nc = await self._connect()
            except (*UNAVAILABLE, nats.errors.NoServersError) as error:
                raise BusUnavailable(f"NATS at {self.url}: {why(error)}") from None
            self._js = self._nc.jetstream(timeout=self.timeout)
            self._streams.clear()
            self._closing = False

    async def _connect(self) -> Client:
        return await nats.connect(
            servers=self.servers,
            name=f"portico-{os.getpid()}",
            connect_timeout=max(1, int(self.timeout)),
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            # A server that vanished without closing the connection (a dead host) is noticed
            # after two unanswered pings, and the client moves to another of the cluster.
            ping_interval=10,
            max_outstanding_pings=2,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=_on_reconnected,
        )

    async def close(self) -> None:
        self._closing = True
        subscriptions, self._subscriptions = self._subscriptions, []
        for subscription in subscriptions:
            await subscription.stop()
        nc, self._nc, self._js = self._nc, None, None
        if nc is None or nc.is_closed:
            return
        with contextlib.suppress(*UNAVAILABLE):
            await nc.flush(timeout=max(1, int(self.timeout)))  # the last acks reach the server
        with contextlib.suppress(*UNAVAILABLE):
            await nc.close()

    def _jetstream(self) -> JetStreamContext:
        if self._js is None or self._nc is None or self._nc.is_closed:
            raise BusUnavailable("the NATS bus is not started")
        return self._js

    async def _ensure_stream(self, name: str, subjects: list[str]) -> None:
        if name in self._streams:
            return
        await ensure_stream(
            self._jetstream(),
            name,
            subjects,
            duplicate_window=self.duplicate_window,
            replicas=self.replicas,
        )
        self._streams.add(name)

    async def _context_stream(self, context: str) -> str:
        name = self.stream_name(context)
        await self._ensure_stream(name, [f"{self.namespace}.{context}.>"])
        return name

    # Publishing ----------------------------------------------------------------------------
    async def publish(self, event: IntegrationEvent) -> None:
        stream = await self._context_stream(event.context)
        try:
            with self._producer_span(event) as (data, headers):
                await self._jetstream().publish(
                    self.subject(event.type), data, stream=stream, headers=headers
                )
        except UNAVAILABLE as error:
            raise BusUnavailable(f"publish {event.type}: {why(error)}") from None

    @contextmanager
    def _producer_span(self, event: IntegrationEvent) -> Iterator[tuple[bytes, dict[str, str]]]:
        """The message (envelope and headers) sent inside the event's publish span: its trace
        context, in the envelope and as the standard `traceparent` header, names that span."""
        with self._tracing.span(f"{event.type} publish", kind="producer", parent=event.traceparent):
            headers = message_headers(event)
            traceparent = self._tracing.traceparent()
            if traceparent is not None:
                event = replace(event, traceparent=traceparent)
                headers["traceparent"] = traceparent
            yield encode(event), headers

    async def publish_all(self, events: Sequence[IntegrationEvent]) -> int:
        """Pipelined: every event is sent before the first acknowledgement is awaited (one
        connection keeps their order), then the acknowledgements are read in order."""
        js = self._jetstream()
        pending: list[asyncio.Future[PubAck]] = []
        try:
            for event in events:
                stream = await self._context_stream(event.context)
                with self._producer_span(event) as (data, headers):
                    future = await js.publish_async(
                        self.subject(event.type),
                        data,
                        # No stall timeout: on Python 3.11 one makes each publish wait a loop
                        # turn (asyncio.wait_for's task), so nats-py's flusher wrote every
                        # event to the socket by itself, not the batch at once (bench/README.md,
                        # "Batches"). The client's pending limit (4,000) is never reached: a
                        # call waits for (or cancels) its own futures, at most one relay batch.
                        wait_stall=None,
                        stream=stream,
                        headers=headers,
                    )
                pending.append(future)
        except (*UNAVAILABLE, BusUnavailable):
            _log.warning("publish stopped after %d of %d events", len(pending), len(events))
        if pending:
            await asyncio.wait(pending, timeout=self.timeout)
        confirmed = 0
        for future in pending:
            if not future.done() or future.cancelled() or future.exception() is not None:
                break
            confirmed += 1
        for future in pending[confirmed:]:
            future.cancel()
        return confirmed

    async def dead_letter(self, consumer: str, data: bytes) -> None:
        await self._ensure_stream(self.dead_letter_stream, [f"{self.namespace}.dead-letters.>"])
        try:
            event_id = decode(data).id.hex
        except (msgspec.DecodeError, msgspec.ValidationError):
            event_id = None
        headers = {"Nats-Msg-Id": f"{consumer}:{event_id}"} if event_id else None
        await self._jetstream().publish(
            self.dead_letter_subject(consumer),
            data,
            stream=self.dead_letter_stream,
            headers=headers,
        )
        self._dead_lettered[consumer] += 1

    def dead_lettered(self) -> Mapping[str, int]:
        return self._dead_lettered

    # Consuming -----------------------------------------------------------------------------
    async def subscribe(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription:
        return await self._subscribe(consumer, handler, contexts)

    async def subscribe_batches(
        self, consumer: str, handler: BatchHandler, *, contexts: Sequence[str]
    ) -> Subscription:
        async def one(delivery: Delivery) -> None:  # the puller's path for one; unused here
            await handler([delivery])

        return await self._subscribe(consumer, one, contexts, together=handler)

    async def _subscribe(
        self,
        consumer: str,
        handler: Handler,
        contexts: Sequence[str],
        together: BatchHandler | None = None,
    ) -> Subscription:
        js = self._jetstream()
        stopping = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        try:
            for context in contexts:
                stream = await self._context_stream(context)
                await self._ensure_consumer(stream, consumer, context)
                pull = await js.pull_subscribe_bind(durable=consumer, stream=stream)
                loop = self._pull(pull, consumer, handler, stopping, together=together)
                tasks.append(asyncio.create_task(loop, name=f"bus:{consumer}:{context}"))
        except UNAVAILABLE as error:
            stopping.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise BusUnavailable(f"subscribe {consumer}: {why(error)}") from None
        subscription = NatsSubscription(tasks, stopping)
        self._subscriptions.append(subscription)
        return subscription

    async def _ensure_consumer(self, stream: str, consumer: str, context: str) -> None:
        js = self._jetstream()
        try:
            await js.consumer_info(stream, consumer)
        except nats.js.errors.NotFoundError:
            subjects = f"{self.namespace}.{context}.>"
            await js.add_consumer(stream, consumer_config(consumer, subjects, self.retry))

    async def listen(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription:
        js = self._jetstream()
        name = f"{consumer}-{uuid.uuid4().hex[:12]}"
        stopping = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        streams: list[str] = []

        async def cleanup() -> None:
            for stream in streams:
                # Unreachable or already closed: the server expires it after listener_expiry.
                with contextlib.suppress(
                    *UNAVAILABLE, nats.js.errors.NotFoundError, BusUnavailable
                ):
                    await self._jetstream().delete_consumer(stream, name)

        try:
            for context in contexts:
                stream = await self._context_stream(context)
                await js.add_consumer(stream, self._listener_config(name, context))
                streams.append(stream)
                pull = await js.pull_subscribe_bind(durable=name, stream=stream)
                listener = NatsListener(
                    stream,
                    name,
                    jetstream=self._jetstream,
                    config=functools.partial(self._listener_config, name, context),
                    check_every=self.listener_check,
                )
                loop = self._pull(pull, consumer, handler, stopping, listener)
                tasks.append(asyncio.create_task(loop, name=f"bus:{name}:{context}"))
        except (*UNAVAILABLE, BusUnavailable) as error:
            stopping.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await cleanup()
            raise BusUnavailable(f"listen {consumer}: {why(error)}") from None
        subscription = NatsSubscription(tasks, stopping, cleanup)
        self._subscriptions.append(subscription)
        return subscription

    def _listener_config(
        self, name: str, context: str, since: datetime | None = None
    ) -> ConsumerConfig:
        return consumer_config(
            name,
            f"{self.namespace}.{context}.>",
            self.retry,
            deliver=DeliverPolicy.NEW if since is None else DeliverPolicy.BY_START_TIME,
            since=since,
            expiry=self.listener_expiry,
        )

    def _pull(
        self,
        pull: JetStreamContext.PullSubscription,
        consumer: str,
        handler: Handler,
        stopping: asyncio.Event,
        listener: NatsListener | None = None,
        together: BatchHandler | None = None,
    ) -> Coroutine[None, None, None]:
        puller = Puller(
            batch=self.fetch_batch,
            retry=self.retry,
            dead_letter=functools.partial(self.dead_letter, consumer),
            closing=lambda: self._closing,
            slots=self._handling,
            together=together,
        )
        return puller.run(pull, consumer, handler, stopping, listener)

    async def dead_letters(self, consumer: str) -> list[IntegrationEvent]:
        stream, subject = self.dead_letter_stream, self.dead_letter_subject(consumer)
        return await read_dead_letters(self._jetstream(), stream, subject)

    async def lag(self, consumer: str, context: str) -> int:
        return await consumer_lag(self._jetstream(), self.stream_name(context), consumer)

    async def _on_error(self, error: Exception) -> None:
        if not self._closing:
            _log.warning("NATS client error: %s", why(error))

    async def _on_disconnected(self) -> None:
        if not self._closing:
            _log.warning("NATS disconnected; reconnecting")

    async def ping(self) -> None:
        if self._nc is None or not self._nc.is_connected:
            raise BusUnavailable(f"not connected to NATS at {self.url}")
        try:
            await self._jetstream().account_info()
        except UNAVAILABLE as error:
            raise BusUnavailable(f"JetStream does not answer: {why(error)}") from None


async def _on_reconnected() -> None:
    _log.info("NATS reconnected")
