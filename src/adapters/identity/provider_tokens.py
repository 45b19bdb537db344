"""ProviderTokens: JWTs an OpenID Connect provider signed (the ID tokens of social sign-in, or
access tokens), verified locally against its published keys.

The provider's discovery document names its JWKS; both are fetched with httpx and cached, and the
keys are fetched again when they are older than `jwks_ttl` or when a token names a kid we do not
know (the provider rotated its keys), at most once per `refetch_interval` so that tokens with
made-up kids cannot make us hammer the provider. Signatures are checked with joserfc.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey

from adapters.identity.claims import TOKEN_MAX, claims_registry, validate
from adapters.identity.keys import KeyRingError, algorithm_for
from application.shared.ports.clock import Clock
from domain.identity.errors import InvalidToken

AnyKey = OKPKey | ECKey | RSAKey


class ProviderUnavailable(InvalidToken):
    """The provider's discovery document or keys could not be fetched."""


class ProviderTokens:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        clock: Clock,
        jwks_ttl: float = 600.0,
        timeout: float = 5.0,
        leeway: int = 30,
        refetch_interval: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._issuer = issuer.rstrip("/")
        self._jwks_ttl = jwks_ttl
        self._refetch_interval = refetch_interval
        self._http = http or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._registry = claims_registry(
            issuer=issuer,
            audience=audience,
            now=lambda: int(clock.now().timestamp()),
            leeway=leeway,
        )
        self._jwks_uri: str | None = None
        self._keys: dict[str, tuple[AnyKey, frozenset[str]]] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def verified_claims(self, token: str) -> dict[str, Any]:
        """The claims of a token the provider signed, for us (audience), not expired."""
        if len(token) > TOKEN_MAX:
            raise InvalidToken("too long")
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError) as error:
            raise InvalidToken(f"malformed: {error}") from None
        kid = str(header.get("kid"))
        key, algorithms = await self._key(kid)
        algorithm = header.get("alg")
        if algorithm not in algorithms:
            raise InvalidToken(f"algorithm {algorithm!r} is not the key's")
        try:
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=[algorithm]).claims
        except (JoseError, ValueError) as error:
            raise InvalidToken(f"signature: {error}") from None
        validate(self._registry, claims)
        return claims

    async def close(self) -> None:
        await self._http.aclose()

    async def _key(self, kid: str) -> tuple[AnyKey, frozenset[str]]:
        stale = time.monotonic() - self._fetched_at > self._jwks_ttl
        if stale or kid not in self._keys:
            async with self._lock:
                age = time.monotonic() - self._fetched_at
                if age > self._jwks_ttl or (kid not in self._keys and age > self._refetch_interval):
                    await self._refresh()
        found = self._keys.get(kid)
        if found is None:
            raise InvalidToken("unknown kid")
        return found

    async def _refresh(self) -> None:
        try:
            if self._jwks_uri is None:
                discovery = await self._get_json(self._issuer + "/.well-known/openid-configuration")
                if str(discovery.get("issuer", "")).rstrip("/") != self._issuer:
                    raise ProviderUnavailable("the discovery document names another issuer")
                self._jwks_uri = str(discovery["jwks_uri"])
            document = await self._get_json(self._jwks_uri)
            key_set = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (httpx.HTTPError, KeyError, ValueError, JoseError) as error:
            self._fetched_at = time.monotonic()  # back off for refetch_interval
            raise ProviderUnavailable(f"cannot fetch the provider's keys: {error}") from None
        keys: dict[str, tuple[AnyKey, frozenset[str]]] = {}
        for key in key_set.keys:
            if not isinstance(key, OKPKey | ECKey | RSAKey) or not key.kid:
                continue
            if key.get("use") not in (None, "sig"):
                continue
            try:
                algorithms = _algorithms(key)
            except KeyRingError:
                continue
            keys[key.kid] = (key, algorithms)
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def _get_json(self, url: str) -> dict[str, Any]:
        response = await self._http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError(f"{url} did not answer a JSON object")
        return document


def _algorithms(key: AnyKey) -> frozenset[str]:
    """The one algorithm the key is for (both spellings of Ed25519 for OKP keys)."""
    declared = key.get("alg")
    derived = algorithm_for(key)
    if derived == "Ed25519":
        return frozenset({"Ed25519", "EdDSA"})
    if declared is not None and declared != derived:
        raise KeyRingError(f"the key {key.kid} declares {declared}, which we do not accept")
    return frozenset({derived})
