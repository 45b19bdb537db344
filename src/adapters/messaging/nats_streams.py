"""JetStream's side of the NATS bus: making a context's stream (and following a changed replica
count), its consumers' configuration, and the two questions an operator asks of it: what was
dead-lettered, and how far a consumer is behind."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from adapters.messaging.envelope import decode
from adapters.messaging.nats_delivery import UNAVAILABLE, why
from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import BusUnavailable, IntegrationEvent


async def ensure_stream(
    js: JetStreamContext,
    name: str,
    subjects: list[str],
    *,
    duplicate_window: float,
    replicas: int,
) -> None:
    try:
        try:
            info = await js.stream_info(name)
        except nats.js.errors.NotFoundError:
            await js.add_stream(
                StreamConfig(
                    name=name,
                    subjects=subjects,
                    storage=StorageType.FILE,
                    duplicate_window=duplicate_window,
                    num_replicas=replicas,
                )
            )
        else:
            if info.config.num_replicas != replicas:  # the setting changed: follow it
                await js.update_stream(replace(info.config, num_replicas=replicas))
    except UNAVAILABLE as error:
        raise BusUnavailable(f"stream {name}: {why(error)}") from None


def consumer_config(
    name: str,
    subjects: str,
    retry: RetryPolicy,
    *,
    deliver: DeliverPolicy = DeliverPolicy.ALL,
    since: datetime | None = None,
    expiry: float | None = None,
) -> ConsumerConfig:
    """A durable pull consumer `name` of `subjects`, with explicit acks, delivering from
    `deliver` (`since`, by start time), removed by the server after `expiry` seconds without a
    pull (a listener's; never, for a shared consumer). It allows one server-side delivery more
    than `retry`: see nats.py's docstring."""
    return ConsumerConfig(
        durable_name=name,
        deliver_policy=deliver,
        opt_start_time=since,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=retry.ack_wait,
        max_deliver=retry.max_deliveries + 1,
        filter_subject=subjects,
        max_ack_pending=1000,
        inactive_threshold=expiry,
    )


async def read_dead_letters(
    js: JetStreamContext, stream: str, subject: str
) -> list[IntegrationEvent]:
    found: list[IntegrationEvent] = []
    sequence = 1
    while True:
        try:
            raw = await js.get_msg(stream, seq=sequence, subject=subject, next=True)
        except nats.js.errors.NotFoundError:
            return found
        except UNAVAILABLE as error:
            raise BusUnavailable(f"dead letters: {why(error)}") from None
        if raw.data:
            found.append(decode(raw.data))
        sequence = (raw.seq or sequence) + 1


async def consumer_lag(js: JetStreamContext, stream: str, consumer: str) -> int:
    try:
        info = await js.consumer_info(stream, consumer)
    except nats.js.errors.NotFoundError:
        return 0
    except UNAVAILABLE as error:
        raise BusUnavailable(f"lag of {consumer}: {why(error)}") from None
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)
