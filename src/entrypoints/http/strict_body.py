"""JSON bodies are decoded strictly, as the OpenAPI document describes them.

Litestar converts a handler's arguments leniently (a query string's "5" must become 5), and its
request bodies with them: `"stock": "5"` or `"active": 0` would be accepted although the schema
says integer and boolean. This request class converts the JSON body to the handler's `data` type
strictly first; the lenient pass that follows then has nothing left to coerce.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

_AT = re.compile(r" - at `\$([^`]*)`$")


def _integral_floats_as_ints(value: Any) -> Any:
    """JSON has numbers, not ints and floats: 5.0 is an integer to JSON Schema, so to us too."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    return value


class StrictJsonRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        value = await super().json()
        data = self.route_handler.parsed_fn_signature.parameters.get("data")
        if data is None or value is None:
            return value
        try:
            return msgspec.convert(_integral_floats_as_ints(value), data.annotation, strict=True)
        except msgspec.ValidationError as error:
            at = _AT.search(str(error))
            key = at.group(1).lstrip(".") if at else "body"
            raise ValidationException(
                "the request has invalid fields",
                extra=[{"key": key or "body", "message": str(error), "source": "body"}],
            ) from None
