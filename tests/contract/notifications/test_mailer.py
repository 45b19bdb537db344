"""ONE contract for the Mailer port: `log` (the message and its links in the log), and `smtp`
against a real SMTP server (aiosmtpd) on loopback, plain, STARTTLS with credentials and
implicit TLS, reading what the server received. A server that is down refuses the message
(EmailNotSent, so the consumer's event comes back); once it is up again the message arrives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import structlog
from structlog.testing import capture_logs

from adapters.email.log import LogMailer
from adapters.email.smtp import SmtpMailer
from application.shared.ports.email import Email, EmailNotSent, Mailer
from tests.support.servers import free_port
from tests.support.smtp_server import PATIENCE, SmtpServer

MAIL = Email(
    id=UUID(int=42),
    to="ada@example.com",
    subject="Reset your Portico password",
    text="Open this link: https://shop.example/reset?token=abc",
    html='<p>Open <a href="https://shop.example/reset?token=abc">this link</a></p>',
    links={"reset": "https://shop.example/reset?token=abc"},
)

Delivered = Callable[[], list[dict[str, Any]]]


def _smtp(server: SmtpServer, **options: Any) -> SmtpMailer:
    security = {"plain": "none", "starttls": "starttls", "tls": "tls"}[server.mode]
    return SmtpMailer(
        host="127.0.0.1",
        port=server.port,
        sender="shop@example.com",
        sender_name="Portico",
        security=security,  # type: ignore[arg-type]
        timeout=PATIENCE,
        ca_file=server.ca_file,
        **options,
    )


@pytest.fixture(params=["log", "smtp-plain", "smtp-starttls-auth", "smtp-tls"])
def mailer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Mailer, Delivered]]:
    """A mailer and a way to read what reached the other side, as plain dicts."""
    if request.param == "log":
        saved = structlog.get_config()
        structlog.reset_defaults()
        try:
            with capture_logs() as logs:
                yield LogMailer(), lambda: [x for x in logs if x["event"] == "email.sent"]
        finally:
            structlog.configure(**saved)
        return
    mode = request.param.split("-")[1]
    users = {"shop": "s3cret-pass"} if request.param.endswith("auth") else None
    server = SmtpServer(free_port(), mode=mode, directory=tmp_path, users=users)  # type: ignore[arg-type]
    server.start()
    credentials = {"username": "shop", "password": "s3cret-pass"} if users else {}

    def delivered() -> list[dict[str, Any]]:
        return [
            {
                "to": got.message["To"],
                "rcpt": got.recipients,
                "from": got.message["From"],
                "subject": got.message["Subject"],
                "text": got.part("plain"),
                "html": got.part("html"),
                "message_id": got.message["Message-ID"],
            }
            for got in server.received
        ]

    try:
        yield _smtp(server, **credentials), delivered
    finally:
        server.stop()


async def test_a_message_reaches_the_other_side_with_its_links(
    mailer: tuple[Mailer, Delivered],
) -> None:
    sender, delivered = mailer
    await sender.send(MAIL)

    [got] = delivered()
    assert got["to"] == "ada@example.com"
    assert got["subject"] == MAIL.subject
    assert "https://shop.example/reset?token=abc" in got["text"]
    if "html" in got:  # SMTP: multipart/alternative, text and HTML, from the sender, once
        assert 'href="https://shop.example/reset?token=abc"' in got["html"]
        assert got["rcpt"] == ["ada@example.com"]
        assert got["from"] == "Portico <shop@example.com>"
        assert MAIL.id.hex in got["message_id"]
    else:  # log: the links are fields of the line
        assert got["links"] == MAIL.links


async def test_wrong_credentials_are_refused(tmp_path: Path) -> None:
    server = SmtpServer(free_port(), mode="starttls", directory=tmp_path, users={"shop": "right"})
    server.start()
    try:
        with pytest.raises(EmailNotSent):
            await _smtp(server, username="shop", password="wrong").send(MAIL)
        assert server.received == []
    finally:
        server.stop()


async def test_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    server = SmtpServer(free_port(), mode="tls", directory=tmp_path)
    server.start()
    try:
        mailer = SmtpMailer(
            host="127.0.0.1",
            port=server.port,
            sender="shop@example.com",
            security="tls",
            timeout=PATIENCE,
        )  # the system's CAs do not know the test's certificate
        with pytest.raises(EmailNotSent):
            await mailer.send(MAIL)
        assert server.received == []
    finally:
        server.stop()


async def test_a_server_that_is_down_refuses_and_once_up_the_message_arrives() -> None:
    server = SmtpServer(free_port())
    mailer = _smtp(server)
    with pytest.raises(EmailNotSent):
        await mailer.send(MAIL)  # nothing listens: the consumer fails and its event comes back

    server.start()
    try:
        await mailer.send(MAIL)  # the redelivery
        [got] = server.received
        assert got.message["Subject"] == MAIL.subject
    finally:
        server.stop()
