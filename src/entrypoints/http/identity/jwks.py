"""/.well-known/jwks.json: the public keys our access tokens are signed with."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State

from entrypoints.http.security.authentication import PUBLIC


class JwksController(Controller):
    path = "/.well-known"
    tags = ["identity"]
    opt = PUBLIC

    @get("/jwks.json", operation_id="jwks", media_type="application/jwk-set+json")
    async def jwks(self, state: State) -> Response[dict[str, Any]]:
        """Our public signing keys (a JWK Set), for anyone who verifies our tokens."""
        document = state["container"].signing_keys().jwks()
        return Response(
            document,
            media_type="application/jwk-set+json",
            headers={"Cache-Control": "public, max-age=300"},
        )
