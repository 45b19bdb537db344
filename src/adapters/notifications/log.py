"""LogNotifier: every notification becomes one structured log line (the default channel).

Useful in development and as a template: a fork swaps it for e-mail or SMS behind the same port.
"""

from __future__ import annotations

import structlog

from application.shared.ports.notifier import Notification, Notifier

_log = structlog.get_logger("portico.notifications")


class LogNotifier(Notifier):
    async def send(self, notification: Notification) -> None:
        _log.info(
            "notification.sent",
            notification_id=str(notification.id),
            customer_id=str(notification.customer_id),
            topic=notification.topic,
            subject_id=str(notification.subject_id),
            message=notification.message,
        )
