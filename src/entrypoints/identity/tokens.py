"""TokensContainer: identity's access tokens. PORTICO_AUTH picks who issues the tokens we accept:
ours (signed with PORTICO_AUTH_SIGNING_KEYS) or, where the Selectors offer it, an outside provider.

A part of IdentityContainer, which names its providers as its own (the HTTP part and the tests
use `identity.signing_keys`, `identity.token_issuer`, `identity.signs_in`).
"""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from adapters.identity.local_tokens import LocalTokenIssuer, LocalTokenVerifier
from adapters.identity.verified_tokens import CachedTokenVerifier
from entrypoints.identity.builders import (
    build_oidc_verifier,  # [adapter:oidc]
    key_ring,
)


class TokensContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Any] = providers.Dependency()
    clock: providers.Dependency[Any] = providers.Dependency()
    auth = settings.provided.auth

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
        oidc=providers.Singleton(build_oidc_verifier, settings, clock),  # [adapter:oidc]
    )
    # Whether our sign-in routes are served: with our own tokens only.
    signs_in = providers.Selector(
        auth.mode,
        local=providers.Object(True),
        # [adapter:oidc begin]
        # With an external provider, signing in happens there: our sign-in routes are off.
        oidc=providers.Object(False),
        # [adapter:oidc end]
    )
    token_verifier = providers.Singleton(
        CachedTokenVerifier,
        inner=signature_verifier,
        clock=clock,
        max_entries=auth.token_cache_size,
    )
