"""NatsPublisher: the NATS bus's sending side. An event goes to its context's stream, with
`Nats-Msg-Id` set to the event id (a re-send inside the duplicate window is dropped by the
server) and the tenant's header, inside a producer span whose trace context the message carries;
a dead letter goes to `<namespace>.dead-letters.<consumer>` (stream `<NAMESPACE>_DEAD_LETTERS`)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

import msgspec
from nats.aio.client import Client
from nats.js import JetStreamContext

from adapters.messaging.envelope import decode, encode, message_headers
from adapters.messaging.nats_acks import PublishAcks
from adapters.messaging.nats_delivery import UNAVAILABLE, why
from application.shared.ports.messaging import BusUnavailable, IntegrationEvent
from application.shared.ports.tracing import NoTracing, Tracing

_log = logging.getLogger("portico.bus.nats")


class NatsPublisher:
    """`client` and `jetstream` give the bus's connection and its JetStream context (or raise
    BusUnavailable), `stream` makes sure a context's stream exists and names it,
    `ensure_stream(name, subjects)` makes one."""

    def __init__(
        self,
        namespace: str,
        *,
        client: Callable[[], Client],
        jetstream: Callable[[], JetStreamContext],
        stream: Callable[[str], Awaitable[str]],
        ensure_stream: Callable[[str, list[str]], Awaitable[None]],
        tracing: Tracing,
        timeout: float,
    ) -> None:
        self._namespace = namespace
        self._client, self._jetstream = client, jetstream
        self._stream, self._ensure_stream = stream, ensure_stream
        self._acks = PublishAcks()
        self._tracing, self._timeout = tracing, timeout
        # Tracing off: no span to open per event, no trace context to add (publish_all).
        self._traced = not isinstance(tracing, NoTracing)
        self._dead_lettered: Counter[str] = Counter()

    def subject(self, event_type: str) -> str:
        return f"{self._namespace}.{event_type}"

    @property
    def dead_letter_stream(self) -> str:
        return f"{self._namespace}_DEAD_LETTERS".upper()

    def dead_letter_subject(self, consumer: str) -> str:
        return f"{self._namespace}.dead-letters.{consumer}"

    async def publish(self, event: IntegrationEvent) -> None:
        stream = await self._stream(event.context)
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
        connection keeps their order), then the acknowledgements are counted in order: the
        first event not stored ends the published prefix."""
        nc = self._client()
        try:
            awaited = await self._acks.expect(nc, len(events))
        except UNAVAILABLE:
            _log.warning("publish stopped after 0 of %d events", len(events))
            return 0
        sent = 0
        try:
            for event in events:
                stream = await self._stream(event.context)
                # The answer must name `stream` (nats_acks.py checks it, no header asks).
                reply = awaited.reply(sent, stream)
                if self._traced:
                    with self._producer_span(event) as (data, headers):
                        await nc.publish(
                            self.subject(event.type), data, reply=reply, headers=headers
                        )
                else:
                    await nc.publish(
                        self.subject(event.type),
                        encode(event),
                        reply=reply,
                        headers=message_headers(event),
                    )
                sent += 1
        except (*UNAVAILABLE, BusUnavailable):
            _log.warning("publish stopped after %d of %d events", sent, len(events))
        return await self._acks.confirmed(awaited, sent, self._timeout)

    async def dead_letter(self, consumer: str, data: bytes) -> None:
        await self._ensure_stream(self.dead_letter_stream, [f"{self._namespace}.dead-letters.>"])
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
