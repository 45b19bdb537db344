"""MfaContainer: the second factor (TOTP) and the two-step sign-in (docs/identity.md).

A part of IdentityContainer (which names these use cases as its own): it receives identity's
unit of work, hasher, token issuer, the sign-in rate-limit store and the settings.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dependency_injector import containers, providers

from adapters.identity.factor_secrets import AesGcmFactorSecrets
from adapters.identity.totp import PyotpAuthenticator
from application.identity.disable_second_factor import (
    DisableSecondFactorHandler,
    RenewRecoveryCodesHandler,
)
from application.identity.enrol_second_factor import (
    ConfirmEnrolmentHandler,
    Enroller,
    StartEnrolmentHandler,
)
from application.identity.mfa_sign_in import (
    ChallengeSteps,
    CompleteMfaSignInHandler,
    ConfirmEnrolmentAtSignInHandler,
    EnrolAtSignInHandler,
    SecondStep,
)
from application.identity.second_factor_check import SecondFactorCheck
from domain.identity.roles import Role
from entrypoints.identity.failure_counter import StoreFailureCounter
from entrypoints.settings import Settings, SettingsError, env_name

# Development and tests only: production refuses to start without PORTICO_MFA_SECRET_KEY.
DEVELOPMENT_KEY = "portico-development-mfa-key-not-secret"


def factor_secrets(settings: Settings) -> AesGcmFactorSecrets:
    return AesGcmFactorSecrets(settings.mfa.secret_key or DEVELOPMENT_KEY)


def required_roles(settings: Settings) -> frozenset[Role]:
    try:
        return frozenset(Role(name) for name in settings.mfa.required_role_names)
    except ValueError:
        raise SettingsError(
            f"{env_name('mfa.required_roles')}={settings.mfa.required_roles!r}: expected roles "
            f"among {', '.join(role.value for role in Role)}"
        ) from None


class MfaContainer(containers.DeclarativeContainer):
    uow: providers.Dependency[Any] = providers.Dependency()
    hasher: providers.Dependency[Any] = providers.Dependency()
    issuer: providers.Dependency[Any] = providers.Dependency()  # our access tokens
    clock: providers.Dependency[Any] = providers.Dependency()
    ids: providers.Dependency[Any] = providers.Dependency()
    counting_store: providers.Dependency[Any] = providers.Dependency()
    refresh_lifetime: providers.Dependency[Any] = providers.Dependency()
    settings: providers.Dependency[Any] = providers.Dependency()
    mfa = settings.provided.mfa

    failures = providers.Singleton(StoreFailureCounter, counting_store)
    check = providers.Singleton(
        SecondFactorCheck,
        authenticator=providers.Singleton(PyotpAuthenticator, issuer=mfa.issuer),
        secrets=providers.Singleton(factor_secrets, settings),
        failures=failures,
        max_failures=mfa.failures_per_account,
        lockout_seconds=mfa.lockout_seconds,
    )
    enroller = providers.Singleton(Enroller, check)
    second_step = providers.Singleton(
        SecondStep,
        ids=ids,
        lifetime=providers.Factory(timedelta, seconds=mfa.challenge_ttl),
        required_roles=providers.Callable(required_roles, settings),
    )
    steps = providers.Singleton(
        ChallengeSteps,
        uow=uow,
        issuer=issuer,
        clock=clock,
        ids=ids,
        failures=failures,
        refresh_lifetime=refresh_lifetime,
        max_failures=mfa.failures_per_challenge,
    )
    own = {"uow": uow, "hasher": hasher, "clock": clock}
    start_enrolment = providers.Singleton(StartEnrolmentHandler, enroller=enroller, **own)
    confirm_enrolment = providers.Singleton(ConfirmEnrolmentHandler, enroller=enroller, **own)
    disable_second_factor = providers.Singleton(DisableSecondFactorHandler, check=check, **own)
    renew_codes = providers.Singleton(RenewRecoveryCodesHandler, check=check, **own)
    complete_mfa_sign_in = providers.Singleton(CompleteMfaSignInHandler, steps, check=check)
    enrol_at_sign_in = providers.Singleton(EnrolAtSignInHandler, steps, enroller=enroller)
    confirm_enrolment_at_sign_in = providers.Singleton(
        ConfirmEnrolmentAtSignInHandler, steps, enroller=enroller
    )
