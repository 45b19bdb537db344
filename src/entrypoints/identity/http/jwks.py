"""/.well-known/jwks.json: the public keys our access tokens are signed with."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency

from adapters.identity.keys import KeyRing
from entrypoints.http.responses import Response
from entrypoints.http.security.authentication import PUBLIC


class JwksController(Controller):
    path = "/.well-known"
    tags = ["identity"]
    opt = PUBLIC

    @get(
        "/jwks.json",
        operation_id="jwks",
        summary="The public keys that verify access tokens",
        media_type="application/jwk-set+json",
    )
    async def jwks(self, signing_keys: NamedDependency[KeyRing]) -> Response[dict[str, Any]]:
        """Our public signing keys (a JWK Set), for anyone who verifies our tokens."""
        document = signing_keys.jwks()
        return Response(
            document,
            media_type="application/jwk-set+json",
            headers={"Cache-Control": "public, max-age=300"},
        )
