"""SocialContainer: social sign-in (docs/identity.md), a part of IdentityContainer, which names
these use cases as its own. Providers come from PORTICO_SOCIAL_*; sign-ins under way wait in
Redis when the cache is there, else in the process."""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from application.identity.linked_identities import (
    ListLinkedIdentitiesHandler,
    UnlinkIdentityHandler,
)
from application.identity.social_sign_in import (
    ExchangeSignInCodeHandler,
    FinishSocialSignInHandler,
    StartSocialSignInHandler,
    TokenParts,
)
from entrypoints.identity.builders import (
    build_identity_providers,
    pending_sign_ins_selector,
    social_flow,
)


class SocialContainer(containers.DeclarativeContainer):
    uow: providers.Dependency[Any] = providers.Dependency()
    issuer: providers.Dependency[Any] = providers.Dependency()
    clock: providers.Dependency[Any] = providers.Dependency()
    ids: providers.Dependency[Any] = providers.Dependency()
    refresh_lifetime: providers.Dependency[Any] = providers.Dependency()
    settings: providers.Dependency[Any] = providers.Dependency()

    identity_providers = providers.Singleton(build_identity_providers, settings, clock)
    pending = pending_sign_ins_selector(settings)
    flow = providers.Singleton(social_flow, settings)
    tokens = providers.Singleton(
        TokenParts, issuer=issuer, clock=clock, ids=ids, refresh_lifetime=refresh_lifetime
    )

    start_social_sign_in = providers.Singleton(
        StartSocialSignInHandler, providers=identity_providers, pending=pending, settings=flow
    )
    finish_social_sign_in = providers.Singleton(
        FinishSocialSignInHandler,
        uow=uow,
        providers=identity_providers,
        pending=pending,
        settings=flow,
        tokens=tokens,
    )
    exchange_sign_in_code = providers.Singleton(
        ExchangeSignInCodeHandler, uow=uow, pending=pending, tokens=tokens
    )
    list_linked_identities = providers.Singleton(ListLinkedIdentitiesHandler, uow=uow)
    unlink_identity = providers.Singleton(UnlinkIdentityHandler, uow=uow)
