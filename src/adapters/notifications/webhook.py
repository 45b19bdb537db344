"""WebhookNotifier: POST each notification as JSON to one URL, signed with HMAC-SHA256.

The request:

    POST <PORTICO_NOTIFIER_WEBHOOK_URL>
    Content-Type: application/json
    Portico-Notification-Id: <id>                 (the same on a repeat: drop duplicates on it)
    Portico-Signature: t=<unix seconds>,v1=<hex>  (hex = HMAC-SHA256(secret, "<t>.<raw body>"))

    {"id", "topic", "customer_id", "subject_id", "message", "occurred_at", "details"}

A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares it in
constant time, and refuses a timestamp too far from its clock (a replayed request). Any 2xx
answer is a delivery; anything else, a timeout or a refused connection raises
NotificationFailed, so the consumer's event is delivered again later (with backoff) and, after
the bus's last try, lands in its dead letters.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

import httpx
import msgspec

from application.shared.ports.notifier import Notification, NotificationFailed, Notifier

SIGNATURE_HEADER = "Portico-Signature"
ID_HEADER = "Portico-Notification-Id"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def body_of(notification: Notification) -> bytes:
    return msgspec.json.encode(
        {
            "id": str(notification.id),
            "topic": notification.topic,
            "customer_id": str(notification.customer_id),
            "subject_id": str(notification.subject_id),
            "message": notification.message,
            "occurred_at": notification.occurred_at.isoformat(),
            "details": notification.details,
        }
    )


class WebhookNotifier(Notifier):
    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not secret:
            raise ValueError("a webhook needs a signing secret")
        self._url = url
        self._secret = secret
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def send(self, notification: Notification) -> None:
        body = body_of(notification)
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            ID_HEADER: str(notification.id),
            SIGNATURE_HEADER: f"t={timestamp},v1={signature(self._secret, timestamp, body)}",
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise NotificationFailed(f"webhook unreachable: {type(error).__name__}") from None
        if not response.is_success:
            raise NotificationFailed(f"webhook answered {response.status_code}")

    async def close(self) -> None:
        await self._client.aclose()
