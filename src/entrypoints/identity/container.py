"""IdentityContainer: users, sign-in, tokens. PORTICO_AUTH picks who issues the tokens we accept."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import providers

from adapters.identity.local_tokens import LocalTokenIssuer, LocalTokenVerifier
from adapters.identity.verified_tokens import CachedTokenVerifier
from application.identity.access_revocations import AccessRevocations
from application.identity.authenticate import AuthenticateHandler
from application.identity.change_password import ChangePasswordHandler
from application.identity.change_user_access import ChangeUserAccessHandler
from application.identity.get_me import GetMeHandler
from application.identity.get_user import GetUserHandler
from application.identity.list_users import ListUsersHandler
from application.identity.login import LoginHandler
from application.identity.logout import LogoutHandler
from application.identity.provide_admin import ProvideAdminHandler
from application.identity.refresh import RefreshHandler
from application.identity.register_user import RegisterUserHandler
from entrypoints.identity.accounts import AccountContainer
from entrypoints.identity.builders import (
    build_oidc_verifier,
    build_password_hasher,
    key_ring,
    rate_limit_selector,
    revocation_window,
    token_chores,
    unit_of_work_selector,
)
from entrypoints.identity.social import SocialContainer
from entrypoints.module import ModuleContainer


class IdentityContainer(ModuleContainer):
    platform = providers.DependenciesContainer()
    use_cases = (
        *("register_user", "login", "refresh_session", "logout", "get_me", "get_user"),
        *("list_users", "change_user_access", "change_password", "provide_admin"),
        *("request_password_reset", "reset_password", "request_email_verification"),
        *("verify_email", "sign_up"),
        *("start_social_sign_in", "finish_social_sign_in", "exchange_sign_in_code"),
        *("list_linked_identities", "unlink_identity"),
    )
    settings, clock, ids = platform.settings, platform.clock, platform.ids
    auth = settings.provided.auth

    uow = unit_of_work_selector(platform)  # PORTICO_PERSISTENCE: sql, memory or redis

    password_hasher = providers.Singleton(build_password_hasher, settings)
    signing_keys = providers.Singleton(key_ring, settings)
    token_issuer = providers.Singleton(
        LocalTokenIssuer,
        keys=signing_keys,
        clock=clock,
        issuer=auth.issuer,
        audience=auth.audience,
        lifetime_seconds=auth.access_token_ttl,
    )
    signature_verifier = providers.Selector(
        auth.mode,
        local=providers.Singleton(
            LocalTokenVerifier,
            keys=signing_keys,
            clock=clock,
            issuer=auth.issuer,
            audience=auth.audience,
            leeway=auth.leeway,
        ),
        oidc=providers.Singleton(build_oidc_verifier, settings, clock),
    )
    # With an external provider, signing in happens there: our sign-in routes are off.
    signs_in = providers.Selector(
        auth.mode, local=providers.Object(True), oidc=providers.Object(False)
    )
    token_verifier = providers.Singleton(
        CachedTokenVerifier,
        inner=signature_verifier,
        clock=clock,
        max_entries=auth.token_cache_size,
    )
    access_revocations = providers.Singleton(
        AccessRevocations,
        uow=uow.provider,
        clock=clock,
        keep_for=providers.Callable(revocation_window, settings),
    )
    refresh_lifetime = providers.Factory(timedelta, seconds=auth.refresh_token_ttl)
    rate_limit_store = rate_limit_selector(settings)  # sign-in counters: Redis, or per process
    # Social sign-in (its use cases are this container's).
    social_parts = {"issuer": token_issuer, "refresh_lifetime": refresh_lifetime}
    social = providers.Container(
        SocialContainer, uow=uow.provider, clock=clock, ids=ids, settings=settings, **social_parts
    )
    start_social_sign_in = social.start_social_sign_in
    finish_social_sign_in = social.finish_social_sign_in
    exchange_sign_in_code, unlink_identity = social.exchange_sign_in_code, social.unlink_identity
    list_linked_identities = social.list_linked_identities
    closed = (social.identity_providers, social.pending)  # social sign-in's clients
    resources = providers.List(token_verifier, rate_limit_store, *closed)
    chores = providers.Callable(token_chores, settings, uow.provider)

    # Use cases: stateless, so one instance each.
    register_user = providers.Singleton(
        RegisterUserHandler, uow=uow.provider, hasher=password_hasher, clock=clock, ids=ids
    )
    login = providers.Singleton(
        LoginHandler,
        uow=uow.provider,
        hasher=password_hasher,
        issuer=token_issuer,
        clock=clock,
        ids=ids,
        refresh_lifetime=refresh_lifetime,
        unverified_sign_in=auth.unverified_sign_in,
    )
    refresh_session = providers.Singleton(
        RefreshHandler,
        uow=uow.provider,
        issuer=token_issuer,
        clock=clock,
        ids=ids,
        refresh_lifetime=refresh_lifetime,
    )
    logout = providers.Singleton(LogoutHandler, uow=uow.provider, clock=clock)
    authenticate = providers.Singleton(
        AuthenticateHandler, verifier=token_verifier, revocations=access_revocations
    )
    get_me = providers.Singleton(GetMeHandler, uow=uow.provider)
    get_user = providers.Singleton(GetUserHandler, uow=uow.provider)
    list_users = providers.Singleton(ListUsersHandler, uow=uow.provider)
    # What the use cases that change a user's access (and so void its tokens) have in common.
    access_changes = {"uow": uow.provider, "clock": clock, "revocations": access_revocations}
    change_user_access = providers.Singleton(ChangeUserAccessHandler, **access_changes)
    change_password = providers.Singleton(
        ChangePasswordHandler, hasher=password_hasher, **access_changes
    )
    provide_admin = providers.Singleton(
        ProvideAdminHandler, hasher=password_hasher, ids=ids, **access_changes
    )
    # Mailed flows: verification and password reset (their use cases are this container's).
    account_parts = {"hasher": password_hasher, "mailer": platform.mailer, **access_changes}
    account_parts["register"] = register_user  # sign-up registers, or mails the address's owner
    accounts = providers.Container(AccountContainer, ids=ids, settings=settings, **account_parts)
    request_password_reset, verify_email = accounts.request_password_reset, accounts.verify_email
    reset_password = accounts.reset_password
    request_email_verification, sign_up = accounts.request_email_verification, accounts.sign_up
    consumers = providers.List(accounts.send_account_mail)
