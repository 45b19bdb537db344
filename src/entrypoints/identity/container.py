"""IdentityContainer: users, sign-in, tokens. PORTICO_AUTH picks who issues the tokens we accept."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import providers

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
    build_password_hasher,
    rate_limit_selector,
    revocation_window,
    token_chores,
    unit_of_work_selector,
)
from entrypoints.identity.mfa import MfaContainer
from entrypoints.identity.own_account import OwnAccountContainer
from entrypoints.identity.social import SocialContainer
from entrypoints.identity.tokens import TokensContainer
from entrypoints.module_container import ModuleContainer, made_once


class IdentityContainer(ModuleContainer):
    platform = providers.DependenciesContainer()
    use_cases = (
        *("register_user", "login", "refresh_session", "logout", "get_me", "get_user"),
        *("list_users", "change_user_access", "change_password", "provide_admin"),
        *("request_password_reset", "reset_password", "request_email_verification"),
        *("verify_email", "sign_up", "list_my_sessions", "end_my_session"),
        *("end_my_other_sessions", "delete_account", "export_my_data", "change_email"),
        *("start_enrolment", "confirm_enrolment", "disable_second_factor", "enrol_at_sign_in"),
        *("renew_recovery_codes", "complete_mfa_sign_in", "confirm_enrolment_at_sign_in"),
        *("start_social_sign_in", "finish_social_sign_in", "exchange_sign_in_code"),
        *("list_linked_identities", "unlink_identity"),
    )
    settings, clock, ids = platform.settings, platform.clock, platform.ids
    auth = settings.provided.auth

    uow = unit_of_work_selector(platform)  # on the store PORTICO_PERSISTENCE picks
    units_of_work = made_once(uow)  # what the handlers make their units of work with

    password_hasher = providers.Singleton(build_password_hasher, settings)
    # Access tokens: ours or an external provider's (PORTICO_AUTH; identity/tokens.py).
    tokens = providers.Container(TokensContainer, settings=settings, clock=clock)
    signing_keys, token_issuer, signs_in = tokens.signing_keys, tokens.token_issuer, tokens.signs_in
    signature_verifier, token_verifier = tokens.signature_verifier, tokens.token_verifier
    access_revocations = providers.Singleton(
        AccessRevocations,
        uow=units_of_work,
        clock=clock,
        keep_for=providers.Callable(revocation_window, settings),
    )
    refresh_lifetime = providers.Factory(timedelta, seconds=auth.refresh_token_ttl)
    rate_limit_store = rate_limit_selector(settings)  # sign-in counters: shared, or per process
    # Social sign-in (its use cases are this container's).
    social_parts = {"issuer": token_issuer, "refresh_lifetime": refresh_lifetime}
    social = providers.Container(
        SocialContainer, uow=units_of_work, clock=clock, ids=ids, settings=settings, **social_parts
    )
    start_social_sign_in = social.start_social_sign_in
    finish_social_sign_in = social.finish_social_sign_in
    exchange_sign_in_code, unlink_identity = social.exchange_sign_in_code, social.unlink_identity
    list_linked_identities = social.list_linked_identities
    closed = (social.identity_providers, social.pending)  # social sign-in's clients
    resources = providers.List(token_verifier, rate_limit_store, *closed)
    chores = providers.Callable(token_chores, settings, units_of_work)

    # Use cases: stateless, so one instance each.
    register_user = providers.Singleton(
        RegisterUserHandler, uow=units_of_work, hasher=password_hasher, clock=clock, ids=ids
    )
    # The second factor (TOTP) and the two-step sign-in: their use cases are this container's.
    mfa_parts = {"uow": units_of_work, "hasher": password_hasher, "issuer": token_issuer}
    mfa_parts |= {"counting_store": rate_limit_store, "refresh_lifetime": refresh_lifetime}
    mfa = providers.Container(MfaContainer, clock=clock, ids=ids, settings=settings, **mfa_parts)
    start_enrolment, confirm_enrolment = mfa.start_enrolment, mfa.confirm_enrolment
    disable_second_factor, renew_recovery_codes = mfa.disable_second_factor, mfa.renew_codes
    complete_mfa_sign_in, enrol_at_sign_in = mfa.complete_mfa_sign_in, mfa.enrol_at_sign_in
    confirm_enrolment_at_sign_in = mfa.confirm_enrolment_at_sign_in
    login = providers.Singleton(
        LoginHandler,
        uow=units_of_work,
        hasher=password_hasher,
        issuer=token_issuer,
        clock=clock,
        ids=ids,
        refresh_lifetime=refresh_lifetime,
        unverified_sign_in=auth.unverified_sign_in,
        second_step=mfa.second_step,
    )
    refresh_session = providers.Singleton(
        RefreshHandler,
        uow=units_of_work,
        issuer=token_issuer,
        clock=clock,
        ids=ids,
        refresh_lifetime=refresh_lifetime,
        revocations=access_revocations,
    )
    logout = providers.Singleton(
        LogoutHandler, uow=units_of_work, clock=clock, revocations=access_revocations
    )
    authenticate = providers.Singleton(
        AuthenticateHandler, verifier=token_verifier, revocations=access_revocations
    )
    get_me = providers.Singleton(GetMeHandler, uow=units_of_work)
    get_user = providers.Singleton(GetUserHandler, uow=units_of_work)
    list_users = providers.Singleton(ListUsersHandler, uow=units_of_work)
    # What the use cases that change a user's access (and so void its tokens) have in common.
    access_changes = {"uow": units_of_work, "clock": clock, "revocations": access_revocations}
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
    # Sessions, deleting an account, exporting its data (their use cases are this container's).
    own_parts = {"hasher": password_hasher, "personal_data": platform.personal_data}
    own_parts["second_factor_check"] = mfa.check
    own = providers.Container(OwnAccountContainer, **own_parts, **access_changes)
    list_my_sessions, end_my_session = own.list_my_sessions, own.end_my_session
    end_my_other_sessions, delete_account = own.end_my_other_sessions, own.delete_account
    export_my_data, change_email = own.export_my_data, own.change_email
