"""The mailer the contexts send mail through: PORTICO_EMAIL picks `log` or `smtp`."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.email.log import LogMailer
from entrypoints.deferred import deferred


def mailer_selector(settings: Any) -> providers.Selector[Any]:
    """`settings` is the platform's Settings provider."""
    email = settings.provided.email
    return providers.Selector(
        email.backend,
        log=providers.Singleton(LogMailer),
        smtp=providers.Singleton(
            deferred("adapters.email.smtp:SmtpMailer"),
            host=email.smtp_host,
            port=email.smtp_port,
            sender=email.sender,
            sender_name=email.sender_name,
            security=email.smtp_security,
            username=email.smtp_username,
            password=email.smtp_password,
            timeout=email.smtp_timeout,
            ca_file=email.smtp_ca_file,
        ),
    )
