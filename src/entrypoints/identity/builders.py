"""How the identity container builds what needs more than its settings passed through.

The adapters a setting may leave unused (Redis, OIDC, the social providers' HTTP clients) are
imported where they are built, so a process loads only those its settings pick."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dependency_injector import providers

from adapters.identity.argon2 import Argon2PasswordHasher
from adapters.identity.keys import KeyRing, development_key_ring, load_key_ring
from adapters.identity.memory import MemoryIdentityStore, MemoryIdentityUnitOfWork
from adapters.identity.pending_sign_ins import MemoryPendingSignIns
from adapters.identity.sql import SqlIdentityUnitOfWork
from application.identity.forget_expired_tokens import (
    ForgetExpiredAccountTokensHandler,
    ForgetExpiredTokensHandler,
)
from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.social_ports import IdentityProvider
from application.identity.social_sign_in import SocialFlowSettings
from application.shared.maintenance import Chore
from entrypoints.deferred import deferred
from entrypoints.http.security.rate_limit_store import MemoryRateLimitStore
from entrypoints.settings import Settings, SettingsError, env_name

if TYPE_CHECKING:
    from adapters.identity.oidc import OidcTokenVerifier  # [adapter:oidc]
    from application.shared.ports.clock import Clock


def key_ring(settings: Settings) -> KeyRing:
    """PORTICO_AUTH_SIGNING_KEYS, or the development key generated once into var/."""
    try:
        if settings.auth.signing_key_files:
            paths = [Path(name) for name in settings.auth.signing_key_files]
            return load_key_ring(paths, settings.auth.signing_kid or None)
        return development_key_ring(Path(settings.auth.dev_key_file))
    except ValueError as error:
        raise SettingsError(f"{env_name('auth.signing_keys')}: {error}") from None


def revocation_window(settings: Settings) -> timedelta:
    """How long a token issued before an access change could still be presented."""
    return timedelta(seconds=settings.auth.access_token_ttl + settings.auth.leeway)


def unit_of_work_selector(platform: Any) -> providers.Selector[Any]:
    """Identity's unit of work on the store PORTICO_PERSISTENCE picks, each committing identity's
    events to that store's outbox. `platform`: the platform container (its providers)."""
    memory_store = providers.Singleton(MemoryIdentityStore)  # one per container: the process's
    return providers.Selector(
        platform.persistence,
        sql=providers.Factory(
            SqlIdentityUnitOfWork, database=platform.sql_database, outbox=platform.sql_outbox
        ),
        memory=providers.Factory(
            MemoryIdentityUnitOfWork, store=memory_store, outbox=platform.memory_outbox
        ),
        # [adapter:redis begin]
        redis=providers.Factory(
            deferred("adapters.identity.redis:RedisIdentityUnitOfWork"),
            documents=platform.redis_documents,
            outbox=platform.redis_outbox,
        ),
        # [adapter:redis end]
    )


def rate_limit_selector(settings: Any) -> providers.Selector[Any]:
    """Sign-in rate-limit counters (Litestar's store API): shared in Redis when the cache is,
    so the limits hold across processes; per process otherwise. `settings`: its provider."""
    per_process = providers.Singleton(MemoryRateLimitStore)
    return providers.Selector(
        settings.provided.cache.backend,
        none=per_process,
        memory=per_process,
        # [adapter:redis begin]
        redis=providers.Singleton(
            deferred("entrypoints.identity.redis:build_rate_limit_store"), settings
        ),
        # [adapter:redis end]
    )


def build_password_hasher(settings: Settings) -> Argon2PasswordHasher:
    passwords = settings.passwords
    return Argon2PasswordHasher(
        time_cost=passwords.time_cost,
        memory_kib=passwords.memory_kib,
        parallelism=passwords.parallelism,
    )


# [adapter:oidc begin]
def build_oidc_verifier(settings: Settings, clock: Clock) -> OidcTokenVerifier:
    """PORTICO_AUTH=oidc: an external provider's tokens, checked against its published keys."""
    from adapters.identity.oidc import OidcTokenVerifier
    from adapters.identity.provider_tokens import ProviderTokens

    oidc = settings.oidc
    tokens = ProviderTokens(
        issuer=oidc.issuer,
        audience=oidc.audience,
        clock=clock,
        jwks_ttl=oidc.jwks_ttl,
        timeout=oidc.timeout,
        leeway=settings.auth.leeway,
    )
    return OidcTokenVerifier(tokens, roles_claim=oidc.roles_claim)


# [adapter:oidc end]


def token_chores(settings: Settings, uow: IdentityUnitOfWorkFactory) -> list[Chore]:
    keep = timedelta(seconds=settings.maintenance.refresh_token_retention)
    return [
        Chore.forgetting("refresh_tokens", ForgetExpiredTokensHandler(uow), keep),
        Chore.forgetting("account_tokens", ForgetExpiredAccountTokensHandler(uow), keep),
    ]


class IdentityProviders(dict[str, IdentityProvider]):
    """The social sign-in providers by name; closed at shutdown (their HTTP clients)."""

    async def close(self) -> None:
        for provider in self.values():
            await provider.close()


def build_identity_providers(settings: Settings, clock: Clock) -> IdentityProviders:
    """The social sign-in providers whose client id is set, by the name in their routes."""
    social = settings.social
    found = IdentityProviders()
    if social.oidc_client_id:
        from adapters.identity.oidc_sign_in import OidcSignIn

        found[social.oidc_name] = OidcSignIn(
            issuer=social.oidc_issuer,
            client_id=social.oidc_client_id,
            client_secret=social.oidc_client_secret,
            scopes=social.oidc_scopes,
            clock=clock,
        )
    if social.github_client_id:
        from adapters.identity.github_sign_in import GitHubSignIn

        found["github"] = GitHubSignIn(
            client_id=social.github_client_id,
            client_secret=social.github_client_secret,
            web_url=social.github_web_url,
            api_url=social.github_api_url,
        )
    return found


def social_flow(settings: Settings) -> SocialFlowSettings:
    social = settings.social
    return SocialFlowSettings(
        callback_base=social.callback_base,
        landings=social.frontend_urls,
        flow_ttl=timedelta(seconds=social.flow_ttl),
    )


def pending_sign_ins_selector(settings: Any) -> providers.Selector[Any]:
    """Sign-ins under way: in Redis when the cache is (a callback may reach another process
    than its start), per process otherwise, like the sign-in rate limits."""
    per_process = providers.Singleton(MemoryPendingSignIns)
    return providers.Selector(
        settings.provided.cache.backend,
        none=per_process,
        memory=per_process,
        # [adapter:redis begin]
        redis=providers.Singleton(
            deferred("entrypoints.identity.redis:build_pending_sign_ins"), settings
        ),
        # [adapter:redis end]
    )
