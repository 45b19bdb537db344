"""A real SMTP server on loopback for the tests (aiosmtpd), and what it received.

`SmtpServer(port, tls=...)` serves plain SMTP, STARTTLS (with a self-signed certificate made
here, its CA file at `ca_file`) or implicit TLS; with `users` it requires AUTH (only over TLS).
Stop it and start it again on the same port to play a mail server outage.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from ipaddress import ip_address
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.servers import PATIENCE as PATIENCE  # a client of this server waits this
from tests.support.servers import START_PATIENCE

Mode = Literal["plain", "starttls", "tls"]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    def part(self, kind: str) -> str:
        found = self.message.get_body(preferencelist=(kind,))
        assert found is not None, f"no {kind} part"
        return str(found.get_content())


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files (the certificate is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class SmtpServer:
    def __init__(
        self,
        port: int,
        *,
        mode: Mode = "plain",
        directory: Path | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.port = port
        self.mode = mode
        self.handler = _Handler()
        self.users = users or {}
        self.ca_file = ""
        self._context: ssl.SSLContext | None = None
        if mode != "plain":
            assert directory is not None, "TLS needs a directory for its certificate"
            cert, key = self_signed(directory)
            self.ca_file = str(cert)
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._context.load_cert_chain(cert, key)
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        good = (
            isinstance(data, LoginPassword)
            and self.users.get(data.login.decode()) == data.password.decode()
        )
        return AuthResult(success=good, handled=False)

    def start(self) -> None:
        options: dict[str, Any] = {}
        if self.mode == "starttls":
            options.update(tls_context=self._context, require_starttls=True)
        if self.mode == "tls":
            options["ssl_context"] = self._context
        if self.users:
            options.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            ready_timeout=START_PATIENCE,
            **options,
        )
        self._controller.start()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
