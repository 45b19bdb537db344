"""A query parameter that takes one value is refused (422) when given twice, rather than one of
its values being chosen silently: the OpenAPI document describes it as a single value."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ValidationException


def refuse_repeated_parameters(request: Request[Any, Any, Any]) -> None:
    if not request.scope["query_string"]:
        return  # most requests: nothing to parse
    parameters = request.route_handler.parsed_fn_signature.parameters
    for name in set(request.query_params.keys()):
        field = parameters.get(name)
        if field is None or field.is_non_string_sequence:
            continue
        if len(request.query_params.getall(name)) > 1:
            raise ValidationException(
                "the request has invalid fields",
                extra=[{"key": name, "message": "must be given once", "source": "query"}],
            )
