"""ONE contract for the Notifier port, on every adapter: `log`, and `webhook` against a loopback
receiver that checks the HMAC signature the way a real receiver would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import structlog
from structlog.testing import capture_logs

from adapters.notifications.log import LogNotifier
from adapters.notifications.webhook import WebhookNotifier  # [adapter:webhook]
from application.shared.ports.notifier import Notification, NotificationFailed, Notifier

# [adapter:webhook begin]
from tests.support.servers import PATIENCE, free_port  # a 2 s bound saw 'unreachable' at load 15
from tests.support.webhook_receiver import SECRET, WebhookReceiver, webhook_receiver

# [adapter:webhook end]

NOTE = Notification(
    id=UUID(int=11),
    customer_id=UUID(int=7),
    topic="order.paid",
    subject_id=UUID(int=3),
    message="We received your payment of 8.40 EUR.",
    occurred_at=datetime(2026, 4, 1, 9, 30, tzinfo=UTC),
    details={"amount": {"amount": "8.40", "currency": "EUR"}},
)


# [adapter:webhook begin]
@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


# [adapter:webhook end]
Delivered = Callable[[], list[dict[str, Any]]]


@pytest.fixture(
    params=[
        "log",
        "webhook",  # [adapter:webhook]
    ]
)
async def channel(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Notifier, Delivered]]:
    """A notifier and a way to read what reached the customer's side."""
    if request.param == "log":
        # Other tests may have set a level that filters info lines out: start from the defaults.
        saved = structlog.get_config()
        structlog.reset_defaults()
        try:
            with capture_logs() as logs:

                def logged() -> list[dict[str, Any]]:
                    return [line for line in logs if line["event"] == "notification.sent"]

                yield LogNotifier(), logged
        finally:
            structlog.configure(**saved)
        return
    # [adapter:webhook begin]
    receiver: WebhookReceiver = request.getfixturevalue("receiver")
    notifier = WebhookNotifier(receiver.url, SECRET, timeout=PATIENCE)
    yield notifier, lambda: receiver.received
    await notifier.close()
    # [adapter:webhook end]


async def test_a_notification_reaches_the_customers_side(
    channel: tuple[Notifier, Delivered],
) -> None:
    notifier, delivered = channel
    await notifier.send(NOTE)

    [got] = delivered()
    assert got["customer_id"] == str(NOTE.customer_id)
    assert got["topic"] == "order.paid"
    assert got["message"] == NOTE.message
    assert str(got.get("id") or got.get("notification_id")) == str(NOTE.id)


# [adapter:webhook begin]
async def test_the_webhook_is_signed_and_carries_the_notification_id(
    receiver: WebhookReceiver,
) -> None:
    notifier = WebhookNotifier(receiver.url, SECRET, timeout=PATIENCE)
    await notifier.send(NOTE)
    await notifier.send(NOTE)  # a repeat: same id, for the receiver to drop
    assert receiver.ids == [str(NOTE.id), str(NOTE.id)]
    assert receiver.received[0]["details"] == NOTE.details
    assert receiver.received[0]["occurred_at"] == "2026-04-01T09:30:00+00:00"
    await notifier.close()


async def test_a_wrong_secret_is_refused_by_the_receiver(receiver: WebhookReceiver) -> None:
    notifier = WebhookNotifier(receiver.url, "another-secret-entirely", timeout=PATIENCE)
    with pytest.raises(NotificationFailed, match="401"):
        await notifier.send(NOTE)
    assert (receiver.refused, receiver.received) == (1, [])
    await notifier.close()


async def test_an_old_timestamp_is_refused_as_a_replay(receiver: WebhookReceiver) -> None:
    notifier = WebhookNotifier(receiver.url, SECRET, timeout=PATIENCE, clock=lambda: 1_000_000.0)
    with pytest.raises(NotificationFailed):
        await notifier.send(NOTE)
    assert receiver.refused == 1
    await notifier.close()


async def test_a_failing_receiver_raises_so_the_event_comes_back(
    receiver: WebhookReceiver,
) -> None:
    receiver.fail_next = 1
    notifier = WebhookNotifier(receiver.url, SECRET, timeout=PATIENCE)
    with pytest.raises(NotificationFailed, match="500"):
        await notifier.send(NOTE)
    await notifier.send(NOTE)
    assert len(receiver.received) == 1
    await notifier.close()


async def test_an_unreachable_receiver_raises() -> None:
    notifier = WebhookNotifier(f"http://127.0.0.1:{free_port()}/hook", SECRET, timeout=PATIENCE)
    with pytest.raises(NotificationFailed, match="unreachable"):
        await notifier.send(NOTE)
    await notifier.close()


def test_a_webhook_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookNotifier("http://127.0.0.1:1/hook", "")


# [adapter:webhook end]
