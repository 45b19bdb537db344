"""How the identity container builds its keys, revocation window and rate-limit counters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from adapters.cache.redis import connect_redis
from adapters.identity.keys import KeyRing, development_key_ring, load_key_ring
from entrypoints.http.security.rate_limit_store import SharedRateLimitStore
from entrypoints.settings import Settings, SettingsError, env_name


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


def build_rate_limit_store(settings: Settings) -> SharedRateLimitStore:
    timeout = settings.redis.timeout_ms / 1000
    client = connect_redis(settings.redis.url, pool_size=settings.redis.pool_size, timeout=timeout)
    return SharedRateLimitStore(client, namespace=f"{settings.cache.prefix}:rate-limit")
