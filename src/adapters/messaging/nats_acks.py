"""PublishAcks: the JetStream acknowledgements of a batch of publishes, awaited together.

nats-py's `publish_async` pays per message a future with a done callback, a NUID token, a
semaphore turn inside `asyncio.wait_for`, and parses each acknowledgement into a `PubAck`
dataclass from JSON: about a fifth of the relay's CPU under W3 (bench/README.md, session 17).
Here message i of a batch asks for its answer on `<inbox>.<first + i>`, one subscription per
connection takes every answer, and an answer is only checked, not parsed: an acknowledgement is
`{"stream":"<name>","seq":...}` (with `"duplicate":true` for a re-send the server dropped), a
refusal carries an `"error"` object, and no stream for the subject comes back as a status
header (503, no responders).

The stream an answer names is checked against the one the message was meant for: a message
stored by a stream of another name (an operator's stream over our subjects) counts as not
stored, so its outbox row stays pending. The `Nats-Expected-Stream` header asked the server to
make that check, at the price of a header built per publish, stored with the message and parsed
back by each consumer (bench/README.md, session 18); the server then refused to store the
message where it now stores it in the other stream and the relay keeps the row (and retries).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription


class Awaited:
    """The answers one batch waits for: message i is answered on `reply(i)`."""

    __slots__ = ("_prefix", "answers", "count", "first", "missing", "over", "streams")

    def __init__(self, prefix: str, first: int, count: int) -> None:
        self._prefix, self.first, self.count = prefix, first, count
        self.answers: list[bool | None] = [None] * count  # True: stored, False: refused
        # What the acknowledgement of message i must hold: `"stream":"<its stream>"`.
        self.streams: list[bytes] = [b""] * count
        self.missing = count  # answers not in yet (once sending is over: of the messages sent)
        self.over = asyncio.Event()

    def reply(self, index: int, stream: str) -> str:
        """Message `index`'s reply subject; its acknowledgement must name `stream`."""
        self.streams[index] = _named(stream)
        return f"{self._prefix}{self.first + index}"

    def confirmed(self) -> int:
        """How many messages from the first were stored: the batch's published prefix."""
        for index, answer in enumerate(self.answers):
            if answer is not True:
                return index
        return len(self.answers)


class PublishAcks:
    def __init__(self) -> None:
        self._nc: Client | None = None
        self._sub: Subscription | None = None
        self._prefix = ""
        self._next = 0
        self._waiting: dict[int, Awaited] = {}  # by message number

    async def expect(self, nc: Client, count: int) -> Awaited:
        """Reply subjects for `count` messages on `nc`; `confirmed` must follow."""
        if nc is not self._nc:
            # A new client (the bus restarted): the old subscription went with the old one. On
            # a reconnect of the same client nats-py subscribes again by itself.
            self._sub = await nc.subscribe(f"{nc.new_inbox()}.*", cb=self._answered)
            self._nc, self._prefix = nc, self._sub.subject[:-1]
        awaited = Awaited(self._prefix, self._next, count)
        self._next += count
        for number in range(awaited.first, awaited.first + count):
            self._waiting[number] = awaited
        return awaited

    async def confirmed(self, awaited: Awaited, sent: int, at_most: float) -> int:
        """Wait (at most `at_most` seconds) for the answers to the first `sent` messages;
        return how many from the first were stored."""
        del awaited.answers[sent:]  # what was not sent is not answered
        awaited.missing = awaited.answers.count(None)
        try:
            if awaited.missing:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(at_most):
                        await awaited.over.wait()
            return awaited.confirmed()
        finally:
            for number in range(awaited.first, awaited.first + awaited.count):
                self._waiting.pop(number, None)

    async def _answered(self, msg: Msg) -> None:
        try:
            number = int(msg.subject[len(self._prefix) :])
        except ValueError:
            return
        awaited = self._waiting.pop(number, None)
        if awaited is None:
            return  # a late answer to a batch that stopped waiting
        index = number - awaited.first
        if index >= len(awaited.answers) or awaited.answers[index] is not None:
            return
        awaited.answers[index] = _stored(msg, awaited.streams[index])
        awaited.missing -= 1
        if awaited.missing == 0:
            awaited.over.set()


@functools.lru_cache(maxsize=256)
def _named(stream: str) -> bytes:
    """The bytes an acknowledgement from `stream` holds (nats-server writes its JSON compact)."""
    return b'"stream":' + json.dumps(stream).encode()


def _stored(msg: Msg, stream: bytes) -> bool:
    if msg.headers and msg.headers.get("Status"):
        return False  # 503: no stream takes the subject
    if b'"error"' not in msg.data:
        return stream in msg.data  # stored, by the stream it was meant for
    try:
        answer = json.loads(msg.data)
    except ValueError:
        return False
    return "error" not in answer and stream in msg.data
