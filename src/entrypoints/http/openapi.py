"""OpenAPI: the document's settings and the problem+json responses routes declare."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from entrypoints import __version__


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct):
    """RFC 9457 problem details, as every error of this API is answered."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str | None = None
    errors: list[FieldError] | None = None


_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "Not allowed",
    404: "No such resource",
    409: "Conflicts with the current state",
    412: "If-Match names an older version",
    422: "Invalid fields; `errors` names each",
    429: "Too many requests; Retry-After says when to try again",
    503: "A dependency is unavailable",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS.get(status, "Error"),
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }


def openapi_config(**extra: Any) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Portico API",
        version=__version__,
        description="A hexagonal backend template. Every error is RFC 9457 problem+json.",
        path="/schema",
        render_plugins=[SwaggerRenderPlugin(path="/"), ScalarRenderPlugin(path="/scalar")],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="An access token from POST /api/v1/auth/login",
                )
            }
        ),
        **extra,
    )
