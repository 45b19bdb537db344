"""Request and response bodies of the second factor (TOTP) and the two-step sign-in."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec

from application.identity.mfa_views import EnrolledSignIn, Enrolment, MfaChallenge
from entrypoints.identity.http.schemas import Code, Password, RecoveryCode

ChallengeText = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
# Six digits; spaces are forgiven by the use case, so the length leaves room for them.


class MfaChallengeOut(msgspec.Struct):
    """202 of `POST /api/v1/auth/login`: the password was right, a second factor is due."""

    mfa_required: bool
    enrolment_required: bool
    challenge_token: str
    expires_in: int

    @classmethod
    def of(cls, challenge: MfaChallenge) -> MfaChallengeOut:
        return cls(True, challenge.enrolment_required, challenge.token, challenge.expires_in)


class SecondStepBody(msgspec.Struct, forbid_unknown_fields=True):
    """The challenge and either `code` (from the authenticator) or `recovery_code`."""

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "challenge_token": "Xy3mB0yDqJ5cQk9nq7Zr1xT2uE4wH6pL8aN0s8fQv0s",
        "code": "123456",
    }
    challenge_token: ChallengeText
    code: Code | None = None
    recovery_code: RecoveryCode | None = None


class ChallengeBody(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "challenge_token": "Xy3mB0yDqJ5cQk9nq7Zr1xT2uE4wH6pL8aN0s8fQv0s"
    }
    challenge_token: ChallengeText


class ChallengeCodeBody(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "challenge_token": "Xy3mB0yDqJ5cQk9nq7Zr1xT2uE4wH6pL8aN0s8fQv0s",
        "code": "123456",
    }
    challenge_token: ChallengeText
    code: Code


class PasswordBody(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"password": "correct horse battery"}
    password: Password


class CodeBody(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"code": "123456"}
    code: Code


class ProofBody(msgspec.Struct, forbid_unknown_fields=True):
    """Either `code` (from the authenticator) or `recovery_code`."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"code": "123456"}
    code: Code | None = None
    recovery_code: RecoveryCode | None = None


class DisableBody(msgspec.Struct, forbid_unknown_fields=True):
    """The password, and either `code` or `recovery_code`."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"password": "correct horse battery", "code": "123456"}
    password: Password
    code: Code | None = None
    recovery_code: RecoveryCode | None = None


class EnrolmentOut(msgspec.Struct):
    """Shown once: put `otpauth_uri` in a QR code, or let the user type `secret`."""

    otpauth_uri: str
    secret: str

    @classmethod
    def of(cls, enrolment: Enrolment) -> EnrolmentOut:
        return cls(enrolment.uri, enrolment.secret)


class RecoveryCodesOut(msgspec.Struct):
    """Shown once: each code works once, instead of an authenticator's code."""

    recovery_codes: list[str]


class EnrolledSignInOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    recovery_codes: list[str]

    @classmethod
    def of(cls, signed_in: EnrolledSignIn) -> EnrolledSignInOut:
        tokens = signed_in.tokens
        return cls(
            tokens.access_token,
            tokens.refresh_token,
            tokens.token_type,
            tokens.expires_in,
            list(signed_in.recovery_codes),
        )
