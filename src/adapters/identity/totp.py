"""PyotpAuthenticator: RFC 6238 codes (SHA-1, 6 digits, 30-second steps, what every authenticator
app reads from an otpauth:// URI) with pyotp."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from application.identity.mfa_ports import Authenticator

DRIFT_STEPS = 1  # a code of the step before or after is accepted too (clocks drift, people type)


class PyotpAuthenticator(Authenticator):
    def __init__(self, *, issuer: str) -> None:
        self._issuer = issuer

    def new_secret(self) -> str:
        return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends

    def enrolment_uri(self, secret: str, *, account: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=self._issuer)

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        if len(code) != 6 or not (code.isascii() and code.isdigit()):
            return None
        totp = pyotp.TOTP(secret)
        now = totp.timecode(at)
        for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None
