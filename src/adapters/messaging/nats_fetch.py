"""PullRequests: one puller's pull requests to its durable consumer, sent by hand.

nats-py's `fetch(batch)` could hold a lone event: when its first request's answer was a status
(one left over from the last fetch, or "Requests Pending" from a consumer shared with another
process), it sent a lingering request for the whole batch and, after the first message, waited
for the rest of the batch until its timeout (a lone event took up to the 0.5 s timeout to reach
its handler, bench/README.md, session 14).

Here each request is JetStream's `no_wait` with `expires`: the server holds it until a message
comes, sends what it has at once (up to the batch), then ends it with a status (408). So a lone
event is handed over as soon as it arrives, a backlog in batches, and an idle puller sends one
request every `wait` seconds. One request is open at a time: the next is sent once the last
ended (its status, its whole batch, or its expiry passed).
"""

from __future__ import annotations

import asyncio
import collections
import json
import time

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import Header

from application.shared.ports.messaging import BusUnavailable

# A request is taken as over this long after its expiry even if its ending status did not come:
# a server may drop an expired request silently (nats-server 2.9 when a message comes as it
# expires; before 2.10.14 it then also re-sends the consumer's last new message numbered 1 if
# that message was a redelivery: docs/messaging.md) or a reconnect lose it, and an event would
# wait for the next request. Each request has a reply subject of its own, so a status that
# comes late is known for an old one's.
_GRACE = 0.05
# After a message, how long to wait for the next of the same request if the server does not end
# it with a status (older servers): it sends what it has back to back.
_GATHER = 0.005
# No request for less than this: the server's expiry has millisecond steps.
_SHORTEST = 0.001
_HEARTBEAT, _NO_MESSAGES, _TIMEOUT = "100", "404", "408"


class PullRequests:
    def __init__(self, nc: Client, stream: str, consumer: str) -> None:
        self._nc, self._consumer = nc, consumer
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        # Request n is answered on <inbox>.<n>: its statuses come with that subject (its
        # messages with their own), so a late status of an older one is told apart.
        self._inbox = nc.new_inbox()
        self._reply, self._asking = "", 0  # the open request's reply subject, its number
        self._sub: Subscription | None = None
        self._arrived: collections.deque[Msg] = collections.deque()
        self._arrival = asyncio.Event()
        self._left = 0  # what the open request may still deliver; 0: none is open
        self._asked = self._expires = 0.0  # when the open request was sent, when it expires
        self._ends = 0.0  # when it is over at the latest (monotonic, as these)
        self._delivered = 0  # what the open request delivered
        self._linger = False  # the next request waits for one message without no_wait

    async def open(self) -> None:
        self._sub = await self._nc.subscribe(f"{self._inbox}.*", cb=self._received)

    async def close(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()

    async def _received(self, msg: Msg) -> None:
        self._arrived.append(msg)
        self._arrival.set()

    async def fetch(self, batch: int, wait: float) -> list[Msg]:
        """Up to `batch` messages, as soon as one is there; none after `wait` seconds."""
        deadline = time.monotonic() + wait
        messages = self._take(batch)
        while not messages:
            now = time.monotonic()
            if now >= deadline - _SHORTEST:
                return messages
            if not self._open(now):
                await self._ask(batch, deadline - now)
            await self._wait(min(deadline, self._ends) - now)
            messages = self._take(batch)
        while len(messages) < batch and self._open(time.monotonic()):
            if not await self._wait(_GATHER):
                break
            messages += self._take(batch - len(messages))
        return messages

    def _open(self, now: float) -> bool:
        return self._left > 0 and now < self._ends

    async def _ask(self, batch: int, wait: float) -> None:
        if self._linger:
            # The last request ended at once with nothing (other pullers' requests cover what
            # is pending): wait in line for one message instead of asking again and again.
            self._linger, batch, request = False, 1, {"batch": 1}
        else:
            request = {"batch": batch, "no_wait": True}
        request["expires"] = int(wait * 1e9)
        self._left, self._delivered = batch, 0
        self._asking += 1
        self._reply = f"{self._inbox}.{self._asking}"
        self._asked = time.monotonic()
        self._expires = self._asked + wait
        self._ends = self._expires + _GRACE
        await self._nc.publish(self._next, json.dumps(request).encode(), reply=self._reply)

    async def _wait(self, seconds: float) -> bool:
        """Whether something arrived within `seconds`."""
        if not self._arrived:
            self._arrival.clear()
            try:
                async with asyncio.timeout(max(seconds, 0.0)):
                    await self._arrival.wait()
            except TimeoutError:
                return False
        return True

    def _take(self, most: int) -> list[Msg]:
        """Up to `most` of the messages that arrived; the statuses among them end the request."""
        messages: list[Msg] = []
        while self._arrived and len(messages) < most:
            msg = self._arrived.popleft()
            status = None if msg.reply else (msg.headers or {}).get(Header.STATUS)
            if status is None:
                messages.append(msg)
                self._left = max(0, self._left - 1)
                self._delivered += 1
            elif status != _HEARTBEAT and msg.subject == self._reply:
                self._ended(msg, status, refused=not messages)
        return messages

    def _ended(self, msg: Msg, status: str, *, refused: bool) -> None:
        early = time.monotonic() < (self._asked + self._expires) / 2  # in its first half
        self._linger = early and self._delivered == 0 and self._left > 1
        self._left = 0
        if status not in (_NO_MESSAGES, _TIMEOUT) and refused:
            # 409: the consumer was deleted (a listener's, made again by its check), a leader
            # changed, ... The puller waits a little and asks again.
            description = (msg.headers or {}).get(Header.DESCRIPTION, "")
            raise BusUnavailable(f"pull from {self._consumer}: {status} {description}")
