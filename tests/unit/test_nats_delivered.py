"""The delivery count read from a JetStream reply subject (nats_delivery.delivered) agrees with
nats-py's own parse, in both forms of the subject, and refuses what is not one as it does."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg
from nats.errors import NotJSMessageError

from adapters.messaging.nats_delivery import delivered

REPLIES = [
    "$JS.ACK.EVENTS.audit.3.1042.17.1733443200000000000.5",  # no domain
    "$JS.ACK._.ACCHASH.EVENTS.audit.4.1042.17.1733443200000000000.5.token",  # domain, hash
    "$JS.ACK.hub.ACCHASH.EVENTS.audit.12.1042.17.1733443200000000000.0",  # no random token
]


@pytest.mark.parametrize("reply", REPLIES)
def test_the_count_is_nats_pys(reply: str) -> None:
    msg = Msg(_client=None, subject="s", reply=reply)  # type: ignore[arg-type]
    assert delivered(msg) == msg.metadata.num_delivered
    assert delivered(msg) in (3, 4, 12)


@pytest.mark.parametrize("reply", ["", "_INBOX.abc", "$JS.ACK.too.short"])
def test_a_reply_that_is_not_jetstreams_is_refused(reply: str) -> None:
    with pytest.raises(NotJSMessageError):
        delivered(Msg(_client=None, subject="s", reply=reply))  # type: ignore[arg-type]
