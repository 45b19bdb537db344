"""What the second-factor use cases answer."""

from __future__ import annotations

from dataclasses import dataclass

from application.identity.views import TokenPair


@dataclass(frozen=True, slots=True)
class Enrolment:
    """Shown once: the secret, and the URI that carries it to an authenticator app."""

    secret: str
    uri: str


@dataclass(frozen=True, slots=True)
class MfaChallenge:
    """The password was right; the sign-in goes on with a code (or, `enrolment_required`, by
    enrolling an authenticator first). `token` works once, for `expires_in` seconds."""

    token: str
    expires_in: int
    enrolment_required: bool


@dataclass(frozen=True, slots=True)
class EnrolledSignIn:
    """The tokens of a sign-in that enrolled its authenticator, and its recovery codes."""

    tokens: TokenPair
    recovery_codes: tuple[str, ...]
