"""What can go wrong with the second factor (TOTP) and the two-step sign-in."""

from __future__ import annotations

from domain.shared.errors import Conflict, Forbidden, InvalidValue, Unauthenticated


class InvalidSecondFactorCode(InvalidValue):
    """A wrong, replayed or spent code (or recovery code): one error for all, naming the field."""

    code = "invalid-second-factor-code"

    def __init__(self, field: str) -> None:
        super().__init__(field, "is wrong, already used or expired")


class InvalidChallenge(Unauthenticated):
    """The sign-in challenge is unknown, expired, spent, killed by wrong codes, or for another
    step: one error for all, and the sign-in starts again with the password."""

    code = "invalid-mfa-challenge"

    def __init__(self) -> None:
        super().__init__("the sign-in challenge is unknown, expired or used; sign in again")


class SecondFactorState(Conflict):
    """Enrolling twice, confirming an active authenticator, disabling one that is not there."""

    code = "second-factor-state"


class EnrolmentRequired(Forbidden):
    """A role the account has requires a second factor: the enrolment challenge is the only way
    in until one is active."""

    code = "mfa-enrolment-required"

    def __init__(self) -> None:
        super().__init__("your role requires a second factor: enrol an authenticator first")
