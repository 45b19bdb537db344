"""The identity context: users, roles, sign-in and the tokens every other context trusts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from application.identity.identity_events import IDENTITY_EVENTS
from entrypoints.deferred import deferred
from entrypoints.identity import seed
from entrypoints.module import HttpPart, Module

if TYPE_CHECKING:
    from entrypoints.module_container import ModuleContainer


def container() -> type[ModuleContainer]:
    from entrypoints.identity.container import IdentityContainer

    return IdentityContainer


def http(root: Any) -> HttpPart:
    from litestar import Router
    from litestar.di import Provide

    from entrypoints.http.security.authentication import bearer_authentication
    from entrypoints.http.security.rate_limits import (
        STORE,
        LoginThrottle,
        ResendThrottle,
        password_rate_limit,
        sign_in_rate_limit,
    )
    from entrypoints.http.security.revocation_sync import RevocationSync
    from entrypoints.identity.http.account_controller import AccountController
    from entrypoints.identity.http.auth_controller import AuthController
    from entrypoints.identity.http.jwks import JwksController
    from entrypoints.identity.http.mfa_controller import MfaSignInController, SecondFactorController
    from entrypoints.identity.http.sessions_controller import SessionController
    from entrypoints.identity.http.social_controller import (
        LinkedIdentityController,
        SocialController,
    )
    from entrypoints.identity.http.users_controller import (
        EmailController,
        PasswordController,
        UserController,
    )

    identity, settings = root.identity, root.settings()
    revocation_sync = RevocationSync(identity.access_revocations(), settings.auth.revocation_sync)
    throttle = LoginThrottle(
        identity.rate_limit_store(),
        max_failures=settings.auth.login_failures_per_account,
        lockout_seconds=settings.auth.login_lockout_seconds,
        counts=root.platform.metrics(),
    )
    resends = ResendThrottle(
        identity.rate_limit_store(), per_hour=settings.auth.verification_resends_per_hour
    )
    # DELETE /users/me checks a password: it shares the sign-in routes' budget per address.
    users = Router(
        path="/",
        route_handlers=[UserController],
        middleware=[password_rate_limit(settings.auth.rate_limit_per_minute).middleware],
    )
    routes: list[Any] = [users, LinkedIdentityController]
    on_startup: list[Any] = [revocation_sync.start]
    if identity.signs_in():
        identity.signing_keys()  # a bad key setting stops start-up here, with its message
        sign_in = Router(
            path="/",
            route_handlers=[
                *(AuthController, AccountController, PasswordController),
                *(MfaSignInController, SecondFactorController, EmailController, SocialController),
            ],
            middleware=[sign_in_rate_limit(settings.auth.rate_limit_per_minute).middleware],
        )
        routes += [sign_in, JwksController, SessionController]
        on_startup.append(identity.login().prepare)
    return HttpPart(
        route_handlers=routes,
        middleware=[
            bearer_authentication(identity.authenticate(), tenancy=settings.tenancy.enabled)
        ],
        dependencies={
            "login_throttle": Provide(lambda: throttle, sync_to_thread=False),
            "resend_throttle": Provide(lambda: resends, sync_to_thread=False),
            "signing_keys": Provide(lambda: identity.signing_keys(), sync_to_thread=False),
        },
        stores={STORE: identity.rate_limit_store()},
        on_startup=on_startup,
        on_shutdown=[revocation_sync.stop],
    )


MODULE = Module(
    name="identity",
    container=container,
    http=http,
    events=IDENTITY_EVENTS,
    # by its path: the API's processes never run its commands (nor import argparse for them)
    cli=deferred("entrypoints.identity.cli:add_parser"),
    seed=seed.SEED,
    stores=(
        "sql",
        "memory",
        "redis",  # [adapter:redis]
    ),
)
