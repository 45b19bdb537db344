"""NatsMessageBus: the MessageBus on NATS JetStream (nats-py).

- One stream per bounded context, `<NAMESPACE>_<CONTEXT>`, over subjects
  `<namespace>.<context>.>`; an event goes to `<namespace>.<type>`, e.g.
  `portico.catalog.ProductCreated`. In a JetStream cluster each stream keeps `replicas` copies
  (its consumers as many); the client is given every server and fails over between them.
- Publishing (nats_publish.py) sets `Nats-Msg-Id` to the event id, so a re-send inside the
  stream's duplicate window is dropped by the server, and the tenant's header (envelope.py).
  The subject has no tenant segment (docs/messaging.md says why).
- A consumer name is a durable pull consumer on each of its contexts' streams, with explicit
  ack; every process subscribed under that name pulls from it, so they share the work.
- A consumer handles the events of different aggregates at the same time, at most
  `consumer_concurrency` handlers at once in the process, and one aggregate's in their order
  (nats_pull.py); with `subscribe_batches`, each fetch (up to its `at_most`) at once. A fetch
  hands over what has arrived as soon as one message is there (nats_fetch.py); an idle puller
  sends one pull request every `fetch_wait` seconds.
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
from collections.abc import Coroutine, Mapping, Sequence
from datetime import datetime

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters.messaging.nats_delivery import UNAVAILABLE, NatsSubscription, why
from adapters.messaging.nats_fetch import PullRequests
from adapters.messaging.nats_listener import NatsListener
from adapters.messaging.nats_publish import NatsPublisher
from adapters.messaging.nats_pull import FETCH_WAIT, Puller, Together
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
        fetch_wait: float = FETCH_WAIT,
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
        self.fetch_wait = fetch_wait  # an idle puller sends a pull request this often
        if consumer_concurrency < 1:
            raise ValueError("consumer_concurrency must be at least 1")
        # Handlers running at once in this process, over all its consumers and listeners.
        self._handling = asyncio.Semaphore(consumer_concurrency)
        self.timeout = timeout
        self.duplicate_window = duplicate_window
        self.listener_expiry = listener_expiry
        self.listener_check = listener_check
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._streams: set[str] = set()
        self._connecting = asyncio.Lock()
        self._closing = False
        self._subscriptions: list[NatsSubscription] = []
        self._publisher = NatsPublisher(
            namespace,
            client=self._client,
            jetstream=self._jetstream,
            stream=self._context_stream,
            ensure_stream=self._ensure_stream,
            tracing=tracing or NoTracing(),
            timeout=timeout,
        )

    # Names ---------------------------------------------------------------------------------
    def stream_name(self, context: str) -> str:
        return f"{self.namespace}_{context}".upper()

    def subject(self, event_type: str) -> str:
        return self._publisher.subject(event_type)

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
        # Together: each waits for its open pull request to end (up to `fetch_wait`), so one
        # after the other a process with ten subscriptions took ten of them to stop.
        await asyncio.gather(*(subscription.stop() for subscription in subscriptions))
        nc, self._nc, self._js = self._nc, None, None
        if nc is None or nc.is_closed:
            return
        with contextlib.suppress(*UNAVAILABLE):
            await nc.flush(timeout=max(1, int(self.timeout)))  # the last acks reach the server
        with contextlib.suppress(*UNAVAILABLE):
            await nc.close()

    def _client(self) -> Client:
        if self._nc is None or self._nc.is_closed:
            raise BusUnavailable("the NATS bus is not started")
        return self._nc

    def _jetstream(self) -> JetStreamContext:
        self._client()
        assert self._js is not None  # set and cleared with the client
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

    # Publishing (nats_publish.py) -------------------------------------------------------
    async def publish(self, event: IntegrationEvent) -> None:
        await self._publisher.publish(event)

    async def publish_all(self, events: Sequence[IntegrationEvent]) -> int:
        return await self._publisher.publish_all(events)

    async def dead_letter(self, consumer: str, data: bytes) -> None:
        await self._publisher.dead_letter(consumer, data)

    def dead_lettered(self) -> Mapping[str, int]:
        return self._publisher.dead_lettered()

    # Consuming -----------------------------------------------------------------------------
    async def subscribe(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription:
        return await self._subscribe(consumer, handler, contexts)

    async def subscribe_batches(
        self, consumer: str, handler: BatchHandler, *, contexts: Sequence[str], at_most: int = 10
    ) -> Subscription:
        return await self._subscribe(consumer, Together(handler, at_most), contexts)

    async def _subscribe(
        self, consumer: str, handler: Handler | Together, contexts: Sequence[str]
    ) -> Subscription:
        stopping = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        try:
            for context in contexts:
                stream = await self._context_stream(context)
                await self._ensure_consumer(stream, consumer, context)
                pull = await self._pull_requests(stream, consumer)
                loop = self._pull(pull, consumer, handler, stopping)
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
        return await self._listen(consumer, handler, contexts)

    async def listen_batches(
        self, consumer: str, handler: BatchHandler, *, contexts: Sequence[str], at_most: int = 10
    ) -> Subscription:
        return await self._listen(consumer, Together(handler, at_most), contexts)

    async def _listen(
        self, consumer: str, handler: Handler | Together, contexts: Sequence[str]
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
                pull = await self._pull_requests(stream, name)
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

    async def _pull_requests(self, stream: str, consumer: str) -> PullRequests:
        pull = PullRequests(self._client(), stream, consumer)
        await pull.open()
        return pull

    def _pull(
        self,
        pull: PullRequests,
        consumer: str,
        handler: Handler | Together,
        stopping: asyncio.Event,
        listener: NatsListener | None = None,
    ) -> Coroutine[None, None, None]:
        puller = Puller(
            batch=handler.at_most if isinstance(handler, Together) else self.fetch_batch,
            retry=self.retry,
            dead_letter=functools.partial(self.dead_letter, consumer),
            wait=self.fetch_wait,
            closing=lambda: self._closing,
            slots=self._handling,
        )
        return puller.run(pull, consumer, handler, stopping, listener)

    async def dead_letters(self, consumer: str) -> list[IntegrationEvent]:
        publisher = self._publisher
        stream, subject = publisher.dead_letter_stream, publisher.dead_letter_subject(consumer)
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
