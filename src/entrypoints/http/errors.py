"""The one mapping from errors to RFC 9457 problem+json responses.

Every error leaves as `{"type", "title", "status", "detail", "request_id"}` plus `errors` (the
fields at fault) for validation. `type` is stable: clients may branch on it.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import structlog
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from domain.shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidValue,
    NotFound,
    StaleVersion,
    TooMany,
    Unauthenticated,
    Unavailable,
)
from entrypoints.http.patterns import in_words
from entrypoints.http.request_context import current_request_id

PROBLEM_BASE = "/problems/"
_DOMAIN_STATUS: dict[type[DomainError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    TooMany: 429,
    Unavailable: 503,
    InvalidValue: 422,
    NotFound: 404,
    StaleVersion: 412,
    Conflict: 409,
}
_HTTP_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "route-not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
}
_AT_PATH = re.compile(r" - at `\$[^`]*`$")
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")
# RFC 9110: a 401 says how to authenticate.
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="portico"'}
_log = structlog.get_logger("portico.errors")


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemDetailsException:
    extra: dict[str, Any] = {"request_id": current_request_id()}
    if errors is not None:
        extra["errors"] = errors
    return ProblemDetailsException(
        status_code=status,
        type_=PROBLEM_BASE + code,
        title=code.replace("-", " ").capitalize(),
        detail=detail,
        extra=extra,
        headers=headers,
    )


def from_domain_error(error: DomainError) -> ProblemDetailsException:
    status = next(
        (code for kind, code in _DOMAIN_STATUS.items() if isinstance(error, kind)),
        HTTPStatus.UNPROCESSABLE_ENTITY,
    )
    errors = None
    if isinstance(error, InvalidValue):
        errors = [{"field": error.field, "message": error.message}]
    detail = f"{error.field} {error.message}" if isinstance(error, InvalidValue) else error.message
    headers = None
    if status == 401:
        headers = WWW_AUTHENTICATE
    elif isinstance(error, TooMany | Unavailable):
        headers = {"Retry-After": str(max(1, round(error.retry_after or 1)))}
    return problem(status, error.code, detail, errors=errors, headers=headers)


def from_validation_error(error: ValidationException) -> ProblemDetailsException:
    items = error.extra if isinstance(error.extra, list) else []
    errors = [_field_error(item) for item in items if isinstance(item, dict)]
    return problem(422, "validation-failed", "the request has invalid fields", errors=errors)


def _field_error(item: dict[str, Any]) -> dict[str, Any]:
    """Name the field at fault in the client's terms, even for unknown or missing fields."""
    message = in_words(_AT_PATH.sub("", str(item.get("message", ""))))
    key = item.get("key")
    field = "" if key in (None, "", "data", "body") else str(key)
    if named := _NAMED_FIELD.search(message):
        field = f"{field}.{named.group(1)}" if field else named.group(1)
    return {"field": field or "body", "message": message, "in": item.get("source")}


def from_http_error(error: HTTPException) -> ProblemDetailsException:
    if isinstance(error, ProblemDetailsException):
        return error
    status = error.status_code
    code = _HTTP_CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "-")
    headers = dict(error.headers or {})
    if status == 429 and "RateLimit-Reset" in headers:
        headers.setdefault("Retry-After", headers["RateLimit-Reset"])
    if status == 401:
        headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE["WWW-Authenticate"])
    return problem(status, code, error.detail, headers=headers or None)


def from_unexpected_error(error: Exception) -> ProblemDetailsException:
    _log.exception("http.unhandled_error", error_type=type(error).__name__)
    return problem(
        500,
        "internal-error",
        "an unexpected error occurred; quote the request_id when you report it",
    )


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                DomainError: from_domain_error,
                ValidationException: from_validation_error,
                HTTPException: from_http_error,
                Exception: from_unexpected_error,
            }
        )
    )
