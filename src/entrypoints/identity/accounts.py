"""AccountContainer: the identity's mailed flows (sign-up, email verification, password reset).

A part of IdentityContainer (which names these use cases and the consumer as its own): it
receives identity's unit of work, hasher, revocations, the platform's mailer and the settings.
"""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from application.identity.request_email_verification import RequestEmailVerificationHandler
from application.identity.request_password_reset import RequestPasswordResetHandler
from application.identity.reset_password import ResetPasswordHandler
from application.identity.send_account_mail import SendAccountMail
from application.identity.sign_up import SignUpHandler
from application.identity.verify_email import VerifyEmailHandler


class AccountContainer(containers.DeclarativeContainer):
    uow: providers.Dependency[Any] = providers.Dependency()  # makes identity units of work
    hasher: providers.Dependency[Any] = providers.Dependency()
    revocations: providers.Dependency[Any] = providers.Dependency()
    clock: providers.Dependency[Any] = providers.Dependency()
    ids: providers.Dependency[Any] = providers.Dependency()
    mailer: providers.Dependency[Any] = providers.Dependency()
    settings: providers.Dependency[Any] = providers.Dependency()
    register: providers.Dependency[Any] = providers.Dependency()  # RegisterUserHandler
    auth, email = settings.provided.auth, settings.provided.email

    sign_up = providers.Singleton(SignUpHandler, register=register, uow=uow, clock=clock)
    request_password_reset = providers.Singleton(
        RequestPasswordResetHandler, uow=uow, clock=clock, ids=ids
    )
    reset_password = providers.Singleton(
        ResetPasswordHandler, uow=uow, hasher=hasher, clock=clock, revocations=revocations
    )
    request_email_verification = providers.Singleton(
        RequestEmailVerificationHandler, uow=uow, clock=clock
    )
    verify_email = providers.Singleton(VerifyEmailHandler, uow=uow, clock=clock)
    # After the answer, through the outbox: the mail and its token (docs/identity.md).
    send_account_mail = providers.Singleton(
        SendAccountMail,
        uow=uow,
        mailer=mailer,
        clock=clock,
        ids=ids,
        link_base=email.link_base,
        verification_ttl=auth.email_verification_ttl,
        reset_ttl=auth.password_reset_ttl,
    )
