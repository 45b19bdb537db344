"""NatsListener: keeps one fan-out listener's consumer alive on the server."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig

_log = logging.getLogger("portico.bus.nats")
# A re-made listener starts this much before its last contact (clock skew between hosts).
_LISTENER_OVERLAP = timedelta(seconds=5)


class NatsListener:
    """Keeps one listening consumer alive: notices when the server dropped it (it expired while
    this process was cut off) and makes it again from a little before the last contact.

    `jetstream` gives the bus's current JetStream context, `config(since)` the consumer's
    configuration starting from `since`, and it checks every `check_every` seconds."""

    def __init__(
        self,
        stream: str,
        name: str,
        *,
        jetstream: Callable[[], JetStreamContext],
        config: Callable[[datetime], ConsumerConfig],
        check_every: float,
    ) -> None:
        self._stream, self._name = stream, name
        self._jetstream, self._config, self._check_every = jetstream, config, check_every
        # Everything published before this had reached the consumer (nothing was pending).
        self._caught_up_at = datetime.now(UTC)
        self._next_check = time.monotonic() + check_every

    async def check(self) -> None:
        """Makes the consumer again if the server dropped it (its pull requests name it, so
        they go on as they were)."""
        if time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + self._check_every
        js = self._jetstream()
        asked = datetime.now(UTC)
        try:
            info = await js.consumer_info(self._stream, self._name)
        except nats.js.errors.NotFoundError:
            info = None
        if info is not None:
            if not info.num_pending and not info.num_ack_pending:
                self._caught_up_at = asked
            return
        since = self._caught_up_at - _LISTENER_OVERLAP
        _log.warning("listener %s was dropped by the server; resuming from %s", self._name, since)
        await js.add_consumer(self._stream, self._config(since))
