"""SmtpMailer: each message over SMTP with aiosmtplib, as multipart/alternative (text, HTML).

`security` is `starttls` (port 587: plain connection, then STARTTLS, refused if the server does
not offer it), `tls` (port 465: TLS from the first byte) or `none` (a relay on the same host or
network only). Certificates are checked against the system's CAs, or `ca_file`'s. A connection,
a refusal, a timeout or a rejected recipient raises EmailNotSent: the consumer that asked fails,
and the bus delivers its event again later, so a mail server outage loses nothing.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Literal

import aiosmtplib

from application.shared.ports.email import Email, EmailNotSent, Mailer

Security = Literal["starttls", "tls", "none"]


class SmtpMailer(Mailer):
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        sender_name: str = "",
        security: Security = "starttls",
        username: str = "",
        password: str = "",
        timeout: float = 10.0,
        ca_file: str = "",
    ) -> None:
        if not sender:
            raise ValueError("an SMTP mailer needs a sender address")
        self._host, self._port = host, port
        self._sender, self._sender_name = sender, sender_name
        self._security = security
        self._username, self._password = username, password
        self._timeout = timeout
        self._tls_context = (
            ssl.create_default_context(cafile=ca_file or None) if security != "none" else None
        )

    def message(self, email: Email) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr((self._sender_name, self._sender))
        message["To"] = email.to
        message["Subject"] = email.subject
        domain = self._sender.rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(idstring=email.id.hex, domain=domain)
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        return message

    async def send(self, email: Email) -> None:
        try:
            await aiosmtplib.send(
                self.message(email),
                hostname=self._host,
                port=self._port,
                username=self._username or None,
                password=self._password or None,
                timeout=self._timeout,
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",
                tls_context=self._tls_context,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise EmailNotSent(f"SMTP {self._host}:{self._port}: {type(error).__name__}") from None
