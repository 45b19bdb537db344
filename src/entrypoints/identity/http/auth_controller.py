"""AuthController: /api/v1/auth. Register, log in, refresh, log out; rate limited per address."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from application.identity.login import Login, LoginHandler
from application.identity.logout import Logout, LogoutHandler
from application.identity.mfa_views import MfaChallenge
from application.identity.refresh import Refresh, RefreshHandler
from application.identity.sign_up import SignUp, SignUpHandler
from domain.identity.errors import InvalidCredentials
from entrypoints.http.openapi import REQUEST_BODIES, problem_responses
from entrypoints.http.responses import Response
from entrypoints.http.security.authentication import PUBLIC
from entrypoints.http.security.rate_limits import LoginThrottle, ResendThrottle
from entrypoints.http.strict_body import invalid_body
from entrypoints.identity.http.device import device_of
from entrypoints.identity.http.mfa_schemas import MfaChallengeOut
from entrypoints.identity.http.schemas import (
    AcceptedOut,
    Credentials,
    NewAccount,
    PasswordForm,
    RefreshBody,
    TokenOut,
)

MFA_REQUIRED = {
    HTTP_202_ACCEPTED: ResponseSpec(
        MfaChallengeOut,
        description="The password was right; a second factor is due",
        generate_examples=False,
    )
}
SIGNED_UP = AcceptedOut("Check your mailbox: we sent a link to confirm your address.")


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["identity"]
    opt = PUBLIC

    @post(
        "/register",
        operation_id="register",
        summary="Sign up",
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(429),
    )
    async def register(
        self,
        data: JSONBody[NewAccount],
        sign_up: NamedDependency[SignUpHandler],
        resend_throttle: NamedDependency[ResendThrottle],
    ) -> AcceptedOut:
        """Open a customer account and mail a link to confirm its address. Passwords: 12+
        characters, not the email, not a common one. The answer is the same for an address that
        already has an account (its owner gets a mail instead), so it tells nobody which do."""
        await resend_throttle.check(data.email)
        await sign_up(SignUp(email=data.email, password=data.password))
        await resend_throttle.count(data.email)
        return SIGNED_UP

    @post(
        "/login",
        operation_id="login",
        summary="Sign in: get an access and a refresh token",
        status_code=200,
        opt={
            REQUEST_BODIES: {
                "application/json": Credentials,
                RequestEncodingType.URL_ENCODED.value: PasswordForm,
            }
        },
        responses={**problem_responses(401), **MFA_REQUIRED},
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        login: NamedDependency[LoginHandler],
        login_throttle: NamedDependency[LoginThrottle],
    ) -> Response[TokenOut]:
        """Exchange email and password for tokens. Send JSON `{"email", "password"}` or the
        OAuth2 password form (`application/x-www-form-urlencoded`: username, password). An
        account with an authenticator gets 202 and a challenge instead: the tokens come from
        `POST /api/v1/auth/login/mfa` with a code."""
        email, password = await _credentials(request)
        await login_throttle.check(email)
        try:
            tokens = await login(Login(email=email, password=password, device=device_of(request)))
        except InvalidCredentials:
            await login_throttle.failed(email)
            raise
        await login_throttle.succeeded(email)
        if isinstance(tokens, MfaChallenge):
            # Typed as Any: the 200 schema stays TokenOut's; the 202 is declared in MFA_REQUIRED.
            challenge: Response[Any] = Response(
                MfaChallengeOut.of(tokens), status_code=HTTP_202_ACCEPTED
            )
            return challenge
        return Response(TokenOut.of(tokens))

    @post(
        "/refresh",
        operation_id="refresh",
        summary="Trade a refresh token for new tokens",
        status_code=200,
        responses=problem_responses(401),
    )
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RefreshBody],
        refresh_session: NamedDependency[RefreshHandler],
    ) -> TokenOut:
        """Trade a refresh token for new tokens. Each refresh token works once; using one twice
        ends its session (both copies stop working)."""
        command = Refresh(data.refresh_token, device=device_of(request))
        return TokenOut.of(await refresh_session(command))

    @post(
        "/logout",
        operation_id="logout",
        summary="Sign out: revoke a refresh token's family",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def logout(
        self, data: JSONBody[RefreshBody], logout: NamedDependency[LogoutHandler]
    ) -> None:
        """End the session of this refresh token, and its access tokens."""
        await logout(Logout(data.refresh_token))


async def _credentials(request: Request[Any, Any, Any]) -> tuple[str, str]:
    """Email and password from a JSON body or an OAuth2 password form."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == RequestEncodingType.URL_ENCODED.value:
            form = msgspec.convert(dict(await request.form()), PasswordForm)
            return form.username, form.password
        body = msgspec.json.decode(await request.body(), type=Credentials)
        return body.email, body.password
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise invalid_body(error) from None
