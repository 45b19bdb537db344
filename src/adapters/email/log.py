"""LogMailer: every message becomes one structured log line, links included (development)."""

from __future__ import annotations

import structlog

from application.shared.ports.email import Email, Mailer

_log = structlog.get_logger("portico.email")


class LogMailer(Mailer):
    async def send(self, email: Email) -> None:
        _log.info(
            "email.sent",
            email_id=str(email.id),
            to=email.to,
            subject=email.subject,
            links=email.links,
            text=email.text,
        )
