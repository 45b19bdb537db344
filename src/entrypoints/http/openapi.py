"""OpenAPI: the document's settings, the problem+json responses, and `complete`, which adds to
every operation what its route implies, so that the document says exactly what the server does
and no route repeats it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

# Litestar 2.x exports none of these from a public module: its OpenAPI plugin (`complete` runs when
# it builds the document), the schema generator (makes the components `complete` adds; Litestar's
# own OpenAPISchemaPlugin.to_openapi_schema is typed with it from here) and the struct schema plugin
# (extended). A Litestar upgrade may move them (this import then fails at start).
from litestar._openapi.plugin import OpenAPIPlugin
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.di import Provide
from litestar.middleware.rate_limit import RateLimitMiddleware
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    Contact,
    Example,
    License,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
    Tag,
)
from litestar.params import ParameterKwarg
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition

from entrypoints.http.security.authentication import EXCLUDE_FROM_AUTH, UNAUTHENTICATED_PATHS
from entrypoints.http.security.permissions import PERMISSION

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.handlers import HTTPRouteHandler
    from litestar.openapi.spec import OpenAPI

# The version of the HTTP contract (docs/api.md), not of the package: the major goes up with a
# breaking change, the minor with an addition. Releases that leave the API alone leave it alone.
API_VERSION = "1.0.0"
PROBLEM_JSON = "application/problem+json"
# A handler that reads its body itself names the bodies it accepts here, by media type.
REQUEST_BODIES = "request_bodies"
# A request body type shows clients an example: a class attribute of this name holding one
# (tests/architecture/test_api_compat.py decodes each into its type, so none goes stale).
EXAMPLE = "EXAMPLE"
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


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
    400: "Malformed request: the body is not valid JSON (or form data)",
    401: "Missing or invalid credentials",
    403: "Not allowed",
    404: "No such resource",
    409: "Conflicts with the current state",
    412: "If-Match names another version",
    413: "The body is larger than the server accepts",
    422: "Invalid fields; `errors` names each",
    429: "Too many requests; Retry-After says when to try again",
    503: "A dependency is unavailable; Retry-After says when to try again",
}
_RETRY_AFTER: dict[str, OpenAPIHeader | Reference] = {
    "Retry-After": OpenAPIHeader(schema=Schema(type=OpenAPIType.INTEGER))
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The statuses only the handler knows (404 on a lookup, 409, ...); `complete` adds the rest."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS.get(status, "Error"),
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in statuses
    }


class DocumentedProvide(Provide):
    """A dependency documented with request parameters it does not take. Litestar parses and
    validates a dependency's parameters on every request: one that only keeps its place in the
    document (the organisation header with tenancy off) costs CPU for nothing. `documents` names
    each as a handler parameter would (`Annotated[T, HeaderParameter(...)]`); `complete` adds them
    to the operations of the handlers that depend on it, where Litestar would have put them."""

    __slots__ = ("documents",)

    def __init__(self, dependency: Any, documents: Mapping[str, Any], **options: Any) -> None:
        super().__init__(dependency, **options)
        self.documents = tuple(
            FieldDefinition.from_annotation(annotation, name=name)
            for name, annotation in documents.items()
        )


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """A struct that refuses unknown fields says so: `additionalProperties: false`."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


def complete_on_first_use(app: Litestar) -> None:
    """Have the app's OpenAPI document `complete`d when it is first built: on the first request
    for /schema (or `app.openapi_schema`), not at start. Building it costs about a third of
    `create_app`'s CPU, which every process and every test's app paid for a document few of them
    serve. tests/architecture/test_contracts.py builds it from the app and compares it with the
    committed one, so what building it at start checked is still checked.

    Litestar makes its OpenAPIPlugin itself and finds it by its exact class, so the instance
    keeps its place and takes a subclass that only adds the completion (no new slots).
    """
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = _CompletedOpenAPIPlugin


class _CompletedOpenAPIPlugin(OpenAPIPlugin):
    __slots__ = ()

    # Private, but Litestar 2.x has no hook on a built document: its config's to_openapi_schema()
    # returns the document before the paths are added, and provide_openapi() returns one built
    # document many times: it would have to remember which it completed, and this class holds no
    # state (it replaces the plugin's class in place) while documents are unhashable dataclasses.
    # Every build goes through _build_openapi (app.update_openapi_schema() too): each is completed.
    def _build_openapi(self) -> OpenAPI:
        openapi = super()._build_openapi()
        complete(self.app, openapi)
        return openapi


def complete(app: Litestar, openapi: OpenAPI) -> None:
    """Add to each operation what its route implies:

    - a request body is required unless its parameter has a default, and may be malformed (400),
      too large (413) or invalid (422);
    - parameters other than the path's may be invalid (422); a path names a resource (404);
    - a route that is not public needs a token (security, 401), a guard may refuse it (403);
    - If-Match may name another version (412); a rate-limited route may answer 429;
    - any /api route may find its database unavailable (503, Retry-After).

    Litestar's own 400 (a validation error in its format) is replaced: this app answers
    validation errors 422 and everything as problem+json.
    """
    creator = SchemaCreator(plugins=app.plugins.openapi, prefer_alias=True)
    problem = creator.for_field_definition(FieldDefinition.from_annotation(Problem))
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or openapi.paths is None:
            continue
        item = openapi.paths.get(route.path_format or "/")
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None) if item else None
                if isinstance(operation, Operation):
                    _complete(operation, handler, route.path, problem, creator)
    components = creator.schema_registry.generate_components_schemas()
    openapi.components.schemas = {**components, **(openapi.components.schemas or {})}
    # Every tag an operation uses is declared (one per context, so a removed context takes its
    # tag with it).
    used = {tag for item in (openapi.paths or {}).values() for tag in _tags_of(item)}
    openapi.tags = [Tag(name=tag) for tag in sorted(used)]


def _tags_of(item: PathItem) -> list[str]:
    operations = (getattr(item, method) for method in ("get", "put", "post", "delete", "patch"))
    return [tag for op in operations if isinstance(op, Operation) for tag in op.tags or ()]


def _complete(
    operation: Operation,
    handler: HTTPRouteHandler,
    path: str,
    problem: Schema | Reference,
    creator: SchemaCreator,
) -> None:
    responses = operation.responses if operation.responses is not None else {}
    operation.responses = responses
    responses.pop("400", None)
    statuses: set[int] = set()
    if bodies := handler.opt.get(REQUEST_BODIES):
        operation.request_body = RequestBody(
            content={
                media_type: OpenAPIMediaType(
                    schema=creator.for_field_definition(FieldDefinition.from_annotation(body))
                )
                for media_type, body in bodies.items()
            },
            required=True,
        )
    if isinstance(operation.request_body, RequestBody):
        # Required unless the handler's `data` has a default (a body the client may leave out).
        data = handler.parsed_fn_signature.parameters.get("data")
        operation.request_body.required = bodies is not None or data is None or not data.has_default
        statuses |= {400, 413, 422}
        _add_examples(operation.request_body, bodies or _body_of(handler))
    _add_documented(operation, handler, creator)
    parameters = [p for p in operation.parameters or [] if not isinstance(p, Reference)]
    if any(p.param_in != "path" for p in parameters):
        statuses.add(422)
    if any(p.param_in == "path" for p in parameters):
        statuses.add(404)
    if any(p.name == "If-Match" for p in parameters):
        statuses.add(412)
    if not handler.opt.get(EXCLUDE_FROM_AUTH) and not UNAUTHENTICATED_PATHS.match(path):
        operation.security = operation.security or BEARER
        statuses.add(401)
    if PERMISSION in handler.opt or handler.resolve_guards():
        statuses.add(403)
    if any(
        getattr(m, "middleware", None) is RateLimitMiddleware for m in handler.resolve_middleware()
    ):
        statuses.add(429)
    if path.startswith("/api/"):
        statuses.add(503)
    for status in sorted(statuses):
        responses.setdefault(
            str(status),
            OpenAPIResponse(
                description=_DESCRIPTIONS[status],
                content={PROBLEM_JSON: OpenAPIMediaType(schema=problem)},
                headers=_RETRY_AFTER if status in (429, 503) else None,
            ),
        )


def _add_documented(
    operation: Operation, handler: HTTPRouteHandler, creator: SchemaCreator
) -> None:
    """The parameters DocumentedProvides document, on the operations of the handlers that depend
    on them, where Litestar puts a parameter: in the order of the handler's signature, with a
    dependency's parameters in its place, a name it already has left as it is."""
    parameters = list(operation.parameters or ())
    before: set[str] = set()  # the parameters met so far, in Litestar's order
    fields = handler.parsed_fn_signature.parameters
    for field, documented in _in_order(fields, handler.resolve_dependencies()):
        kwarg = field.kwarg_definition
        name = getattr(kwarg, "name", None) or field.name
        known = [p for p in parameters if not isinstance(p, Reference)]
        if documented and isinstance(kwarg, ParameterKwarg) and name not in (p.name for p in known):
            schema = creator.for_field_definition(field)
            at = sum(1 for p in known if p.name in before)
            description = schema.description if isinstance(schema, Schema) else None
            parameters.insert(
                at,
                Parameter(
                    name=name,
                    param_in=kwarg.param_type,
                    required=field.is_required,
                    description=description,
                    schema=schema,
                ),
            )
            operation.parameters = parameters
        before.add(name)


def _in_order(
    fields: Mapping[str, FieldDefinition], providers: Mapping[str, Provide]
) -> Iterator[tuple[FieldDefinition, bool]]:
    """The fields (False), each dependency's replaced by those it documents (True) and its own,
    depth first, as Litestar documents them."""
    for name, field in fields.items():
        provider = providers.get(name)
        if provider is None:
            yield field, False
            continue
        if isinstance(provider, DocumentedProvide):
            yield from ((documented, True) for documented in provider.documents)
        yield from _in_order(provider.parsed_fn_signature.parameters, providers)


def _body_of(handler: HTTPRouteHandler) -> dict[str, Any]:
    """The type of the handler's `data` (an optional one unwrapped), under its media types."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return {}
    types = (data.annotation, *(inner.annotation for inner in data.inner_types))
    body = next((t for t in types if hasattr(t, EXAMPLE)), None)
    return {"*": body}


def _add_examples(request_body: RequestBody, bodies: dict[str, Any]) -> None:
    for media_type, content in (request_body.content or {}).items():
        body = bodies.get(media_type, bodies.get("*"))
        example = getattr(body, EXAMPLE, None)
        if example is not None:
            content.examples = {"example": Example(value=example)}


def openapi_config(**extra: Any) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Portico API",
        version=API_VERSION,
        description="A hexagonal backend template. Every error is RFC 9457 problem+json.",
        path="/schema",
        contact=Contact(name="Portico maintainers"),
        license=License(name="MIT", identifier="MIT"),
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
