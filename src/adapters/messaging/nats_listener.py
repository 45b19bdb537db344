"""NatsListener: keeps one fan-out listener's consumer alive on the server."""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import nats.js.errors
from nats.js import JetStreamContext

from adapters.messaging.nats_delivery import UNAVAILABLE

if TYPE_CHECKING:
    from adapters.messaging.nats import NatsMessageBus

_log = logging.getLogger("portico.bus.nats")
# A re-made listener starts this much before its last contact (clock skew between hosts).
_LISTENER_OVERLAP = timedelta(seconds=5)


class NatsListener:
    """Keeps one listening consumer alive: notices when the server dropped it (it expired while
    this process was cut off) and makes it again from a little before the last contact."""

    def __init__(self, bus: NatsMessageBus, stream: str, name: str, context: str) -> None:
        self._bus, self._stream, self._name, self._context = bus, stream, name, context
        # Everything published before this had reached the consumer (nothing was pending).
        self._caught_up_at = datetime.now(UTC)
        self._next_check = time.monotonic() + bus.listener_check

    async def renewed(
        self, pull: JetStreamContext.PullSubscription
    ) -> JetStreamContext.PullSubscription:
        if time.monotonic() < self._next_check:
            return pull
        self._next_check = time.monotonic() + self._bus.listener_check
        js = self._bus._jetstream()
        asked = datetime.now(UTC)
        try:
            info = await js.consumer_info(self._stream, self._name)
        except nats.js.errors.NotFoundError:
            info = None
        if info is not None:
            if not info.num_pending and not info.num_ack_pending:
                self._caught_up_at = asked
            return pull
        since = self._caught_up_at - _LISTENER_OVERLAP
        _log.warning("listener %s was dropped by the server; resuming from %s", self._name, since)
        await js.add_consumer(
            self._stream, self._bus._listener_config(self._name, self._context, since)
        )
        with contextlib.suppress(*UNAVAILABLE):
            await pull.unsubscribe()
        return await js.pull_subscribe_bind(durable=self._name, stream=self._stream)
