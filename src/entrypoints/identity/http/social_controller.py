"""SocialController: /api/v1/auth/social. Sign in with an outside provider (docs/identity.md).

The browser goes to `start`, then the provider, then `callback`; the callback sends it on to the
configured front end with a one-time `code` (traded at `exchange`), or answers the tokens when
no front end is configured. LinkedIdentityController: the signed-in user's links.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.identity.linked_identities import (
    ListLinkedIdentities,
    ListLinkedIdentitiesHandler,
    UnlinkIdentity,
    UnlinkIdentityHandler,
)
from application.identity.social_sign_in import (
    ExchangeSignInCode,
    ExchangeSignInCodeHandler,
    FinishSocialSignIn,
    FinishSocialSignInHandler,
    StartSocialSignIn,
    StartSocialSignInHandler,
)
from entrypoints.http.openapi import problem_responses
from entrypoints.http.security.authentication import PUBLIC, principal
from entrypoints.identity.http.device import device_of
from entrypoints.identity.http.schemas import TokenOut
from entrypoints.identity.http.social_schemas import LinkedIdentityOut, SignInCodeBody

# Any name: one no provider has answers 404, as a path that names nothing does.
Provider = Annotated[str, Parameter(description="e.g. oidc, github")]
Text = Annotated[str, Parameter(max_length=2000)]
TO_PROVIDER = {302: ResponseSpec(None, description="On to the provider's sign-in page")}
SIGNED_IN = {
    200: ResponseSpec(TokenOut, description="Signed in (no front end is configured)"),
    302: ResponseSpec(None, description="On to the front end, with a one-time `code`"),
}


class SocialController(Controller):
    path = "/api/v1/auth/social"
    tags = ["identity"]
    opt = PUBLIC

    @get(
        "/{provider:str}/start",
        operation_id="startSocialSignIn",
        summary="Sign in with an outside provider",
        status_code=302,
        responses={**TO_PROVIDER, **problem_responses(404)},
    )
    async def start(
        self,
        provider: FromPath[Provider],
        start_social_sign_in: NamedDependency[StartSocialSignInHandler],
        return_to: FromQuery[Text | None] = None,
    ) -> Redirect:
        """Send the browser here. `return_to` picks, by its origin, one of the front ends the
        server is configured with (PORTICO_SOCIAL_FRONTENDS); any other is refused."""
        url = await start_social_sign_in(StartSocialSignIn(provider=provider, return_to=return_to))
        return Redirect(url, status_code=302)

    @get(
        "/{provider:str}/callback",
        operation_id="finishSocialSignIn",
        summary="Where the provider sends the browser back",
        responses={**SIGNED_IN, **problem_responses(401, 404, 409)},
    )
    async def callback(
        self,
        request: AnyRequest,
        provider: FromPath[Provider],
        finish_social_sign_in: NamedDependency[FinishSocialSignInHandler],
        sign_in_state: Annotated[str, QueryParameter(name="state", max_length=2000)] = "",
        code: FromQuery[Text | None] = None,
        error: FromQuery[Text | None] = None,
    ) -> Response[Any]:
        """The provider's redirect. The `state` works once and only for the sign-in it began."""
        done = await finish_social_sign_in(
            FinishSocialSignIn(
                provider=provider,
                state=sign_in_state,
                code=code,
                error=error,
                device=device_of(request),
            )
        )
        if done.landing is not None:
            return Redirect(done.landing, status_code=302)
        assert done.tokens is not None
        return Response(TokenOut.of(done.tokens), status_code=200)

    @post(
        "/exchange",
        operation_id="exchangeSignInCode",
        summary="Trade the one-time code for tokens",
        status_code=200,
        responses=problem_responses(401),
    )
    async def exchange(
        self,
        request: AnyRequest,
        data: JSONBody[SignInCodeBody],
        exchange_sign_in_code: NamedDependency[ExchangeSignInCodeHandler],
    ) -> TokenOut:
        """The front end's part: the `code` it landed with, once, within a minute."""
        command = ExchangeSignInCode(data.code, device=device_of(request))
        return TokenOut.of(await exchange_sign_in_code(command))


AnyRequest = Request[Any, Any, Any]


class LinkedIdentityController(Controller):
    path = "/api/v1/users/me/identities"
    tags = ["identity"]
    security = [{"BearerToken": []}]

    @get(operation_id="listLinkedIdentities", summary="List your linked providers")
    async def list(
        self,
        request: AnyRequest,
        list_linked_identities: NamedDependency[ListLinkedIdentitiesHandler],
    ) -> list[LinkedIdentityOut]:
        """The outside accounts you can sign in with."""
        views = await list_linked_identities(ListLinkedIdentities(principal(request)))
        return [LinkedIdentityOut.of(view) for view in views]

    @delete(
        "/{provider:str}",
        operation_id="unlinkIdentity",
        summary="Unlink a provider",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(404, 409),
    )
    async def unlink(
        self,
        request: AnyRequest,
        provider: FromPath[Provider],
        unlink_identity: NamedDependency[UnlinkIdentityHandler],
    ) -> None:
        """Stop signing in with that provider. An account without a password keeps its last one
        (409 last-sign-in-method): set a password first (the password reset mail)."""
        await unlink_identity(UnlinkIdentity(principal(request), provider))
