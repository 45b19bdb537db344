"""The second factor (TOTP): the sign-in's second step (public, with a challenge) and your own
authenticator (bearer). Mounted with the sign-in routes, under their rate limit per address."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.identity.disable_second_factor import (
    DisableSecondFactor,
    DisableSecondFactorHandler,
    RenewRecoveryCodes,
    RenewRecoveryCodesHandler,
)
from application.identity.enrol_second_factor import (
    ConfirmEnrolment,
    ConfirmEnrolmentHandler,
    StartEnrolment,
    StartEnrolmentHandler,
)
from application.identity.mfa_sign_in import (
    CompleteMfaSignIn,
    CompleteMfaSignInHandler,
    ConfirmEnrolmentAtSignIn,
    ConfirmEnrolmentAtSignInHandler,
    EnrolAtSignIn,
    EnrolAtSignInHandler,
)
from entrypoints.http.openapi import problem_responses
from entrypoints.http.security.authentication import PUBLIC, principal
from entrypoints.identity.http.device import device_of
from entrypoints.identity.http.mfa_schemas import (
    ChallengeBody,
    ChallengeCodeBody,
    CodeBody,
    DisableBody,
    EnrolledSignInOut,
    EnrolmentOut,
    PasswordBody,
    ProofBody,
    RecoveryCodesOut,
    SecondStepBody,
)
from entrypoints.identity.http.schemas import TokenOut

AnyRequest = Request[Any, Any, Any]
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


class MfaSignInController(Controller):
    path = "/api/v1/auth/login/mfa"
    tags = ["identity"]
    opt = PUBLIC

    @post(
        operation_id="loginSecondStep",
        summary="Sign in, second step: a code for the tokens",
        status_code=200,
        responses=problem_responses(401, 403, 429),
    )
    async def second_step(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SecondStepBody],
        complete_mfa_sign_in: NamedDependency[CompleteMfaSignInHandler],
    ) -> TokenOut:
        """The `challenge_token` of the login's 202 and a `code` from the authenticator (or a
        `recovery_code`) for the tokens. The challenge works once, for a few minutes; a few
        wrong codes end it, more lock the account's codes for a while (429)."""
        command = CompleteMfaSignIn(
            challenge_token=data.challenge_token,
            code=data.code,
            recovery_code=data.recovery_code,
            device=device_of(request),
        )
        return TokenOut.of(await complete_mfa_sign_in(command))

    @post(
        "/enrolment",
        operation_id="loginEnrolAuthenticator",
        summary="Sign in, when your role requires a second factor: enrol an authenticator",
        status_code=200,
        responses=problem_responses(401, 409),
    )
    async def enrol(
        self, data: JSONBody[ChallengeBody], enrol_at_sign_in: NamedDependency[EnrolAtSignInHandler]
    ) -> EnrolmentOut:
        """With the challenge of a 202 that said `enrolment_required`: a new authenticator's
        secret and otpauth:// URI, shown once (asking again replaces them)."""
        return EnrolmentOut.of(
            await enrol_at_sign_in(EnrolAtSignIn(challenge_token=data.challenge_token))
        )

    @post(
        "/enrolment/confirm",
        operation_id="loginConfirmAuthenticator",
        summary="Sign in, when your role requires a second factor: confirm the authenticator",
        status_code=200,
        responses=problem_responses(401, 409, 429),
    )
    async def confirm_enrolment(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ChallengeCodeBody],
        confirm_enrolment_at_sign_in: NamedDependency[ConfirmEnrolmentAtSignInHandler],
    ) -> EnrolledSignInOut:
        """The enrolment challenge and the new authenticator's first code: it is active, and the
        answer holds the tokens and ten recovery codes, shown once."""
        command = ConfirmEnrolmentAtSignIn(
            challenge_token=data.challenge_token, code=data.code, device=device_of(request)
        )
        return EnrolledSignInOut.of(await confirm_enrolment_at_sign_in(command))


class SecondFactorController(Controller):
    path = "/api/v1/users/me/mfa"
    tags = ["identity"]
    security = BEARER

    @post(
        "/totp",
        operation_id="startTotpEnrolment",
        summary="Enrol an authenticator (TOTP): its secret",
        status_code=200,
        responses=problem_responses(401, 409),
    )
    async def start(
        self,
        request: AnyRequest,
        data: JSONBody[PasswordBody],
        start_enrolment: NamedDependency[StartEnrolmentHandler],
    ) -> EnrolmentOut:
        """Your password again, for a new authenticator's secret and otpauth:// URI, shown once.
        Nothing changes at sign-in until you confirm it with a code."""
        command = StartEnrolment(requester=principal(request), password=data.password)
        return EnrolmentOut.of(await start_enrolment(command))

    @post(
        "/totp/confirm",
        operation_id="confirmTotpEnrolment",
        summary="Confirm the authenticator with a code: its recovery codes",
        status_code=200,
        responses=problem_responses(409, 429),
    )
    async def confirm(
        self,
        request: AnyRequest,
        data: JSONBody[CodeBody],
        confirm_enrolment: NamedDependency[ConfirmEnrolmentHandler],
    ) -> RecoveryCodesOut:
        """A code from the new authenticator: from now on sign-in asks for one. The answer holds
        ten single-use recovery codes, shown once."""
        command = ConfirmEnrolment(requester=principal(request), code=data.code)
        return RecoveryCodesOut(list(await confirm_enrolment(command)))

    @post(
        "/totp/disable",
        operation_id="disableTotp",
        summary="Remove the authenticator",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 409, 429),
    )
    async def disable(
        self,
        request: AnyRequest,
        data: JSONBody[DisableBody],
        disable_second_factor: NamedDependency[DisableSecondFactorHandler],
    ) -> None:
        """Your password and a current code (or a recovery code): sign-in asks for the password
        alone again, and the recovery codes stop working."""
        await disable_second_factor(
            DisableSecondFactor(
                requester=principal(request),
                password=data.password,
                code=data.code,
                recovery_code=data.recovery_code,
            )
        )

    @post(
        "/recovery-codes",
        operation_id="renewRecoveryCodes",
        summary="New recovery codes (the old ones stop working)",
        status_code=200,
        responses=problem_responses(409, 429),
    )
    async def renew(
        self,
        request: AnyRequest,
        data: JSONBody[ProofBody],
        renew_recovery_codes: NamedDependency[RenewRecoveryCodesHandler],
    ) -> RecoveryCodesOut:
        """A current code (or a recovery code) for ten new recovery codes, shown once."""
        command = RenewRecoveryCodes(
            requester=principal(request), code=data.code, recovery_code=data.recovery_code
        )
        return RecoveryCodesOut(list(await renew_recovery_codes(command)))
