"""AccountController: /api/v1/auth, the mailed flows: password reset and email verification.

Asking for a mail answers 202 with the same body whatever the address (the mail goes out after
the answer, through the outbox); a mailed token is used once, with a 422 `invalid-account-token`
for an unknown, expired or used one. Mounted with the sign-in routes, under their rate limit.
"""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from application.identity.request_email_verification import (
    RequestEmailVerification,
    RequestEmailVerificationHandler,
)
from application.identity.request_password_reset import (
    RequestPasswordReset,
    RequestPasswordResetHandler,
)
from application.identity.reset_password import ResetPassword, ResetPasswordHandler
from application.identity.verify_email import VerifyEmail, VerifyEmailHandler
from entrypoints.http.openapi import problem_responses
from entrypoints.http.security.authentication import PUBLIC
from entrypoints.http.security.rate_limits import ResendThrottle
from entrypoints.identity.http.schemas import AcceptedOut, EmailBody, PasswordReset, TokenBody

RESET_SENT = AcceptedOut(
    "If an account has this address, a link to reset its password is on its way."
)
VERIFICATION_SENT = AcceptedOut(
    "If an account has this address and it is not verified yet, a link is on its way."
)


class AccountController(Controller):
    path = "/api/v1/auth"
    tags = ["identity"]
    opt = PUBLIC

    @post(
        "/password-reset",
        operation_id="requestPasswordReset",
        summary="Ask for a password reset link by mail",
        status_code=HTTP_202_ACCEPTED,
    )
    async def request_reset(
        self,
        data: JSONBody[EmailBody],
        request_password_reset: NamedDependency[RequestPasswordResetHandler],
    ) -> AcceptedOut:
        """Mail a password reset link to the address, if an account has it. The answer is the
        same either way."""
        await request_password_reset(RequestPasswordReset(data.email))
        return RESET_SENT

    @post(
        "/password-reset/confirm",
        operation_id="resetPassword",
        summary="Set a new password with a reset link",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def reset(
        self, data: JSONBody[PasswordReset], reset_password: NamedDependency[ResetPasswordHandler]
    ) -> None:
        """Choose a new password with the mailed token (once). Every session of the account
        ends."""
        await reset_password(ResetPassword(token=data.token, new_password=data.new_password))

    @post(
        "/email-verification",
        operation_id="requestEmailVerification",
        summary="Ask for another email verification link",
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(429),
    )
    async def request_verification(
        self,
        data: JSONBody[EmailBody],
        request_email_verification: NamedDependency[RequestEmailVerificationHandler],
        resend_throttle: NamedDependency[ResendThrottle],
    ) -> AcceptedOut:
        """Mail the verification link again, if an account has this address and it is not
        verified yet. A few per address per hour."""
        await resend_throttle.check(data.email)
        await request_email_verification(RequestEmailVerification(data.email))
        await resend_throttle.count(data.email)
        return VERIFICATION_SENT

    @post(
        "/email-verification/confirm",
        operation_id="verifyEmail",
        summary="Confirm an email address with its link",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def verify(
        self, data: JSONBody[TokenBody], verify_email: NamedDependency[VerifyEmailHandler]
    ) -> None:
        """Prove the account's address with the mailed token (once)."""
        await verify_email(VerifyEmail(data.token))
