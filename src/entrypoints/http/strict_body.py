"""JSON bodies are decoded strictly, as the OpenAPI document describes them.

Litestar converts a handler's arguments leniently (a query string's "5" must become 5), and its
request bodies with them: `"stock": "5"` or `"active": 0` would be accepted although the schema
says integer and boolean. This request class converts the JSON body to the handler's `data` type
strictly first; the lenient pass that follows then has nothing left to coerce.

A body is first decoded straight into its type (one pass, no Python objects in between). What
that refuses (`5.0` for an integer, a bad field) goes the general way, which answers every
problem as before; types in which the two ways could read one number differently (a Decimal,
a float, Any) always go the general way.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar.exceptions import ValidationException

from entrypoints.http.request_body import BodyRequest

_AT = re.compile(r" - at `\$([^`]*)`$")
# Where a decoded JSON number may become a different value than a Python int or float would.
_NUMBER_READ_AS_WRITTEN = (
    msgspec.inspect.DecimalType,
    msgspec.inspect.FloatType,
    msgspec.inspect.AnyType,
    msgspec.inspect.CustomType,
)
_typed_decoders: dict[Any, msgspec.json.Decoder[Any] | None] = {}


def _integral_floats_as_ints(value: Any) -> Any:
    """JSON has numbers, not ints and floats: 5.0 is an integer to JSON Schema, so to us too."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    return value


def _types_within(node: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    """`node` and every type it is made of."""
    seen: list[msgspec.inspect.Type] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if any(current is other for other in seen):
            continue  # a type that refers to itself
        seen.append(current)
        inner = (
            getattr(current, name, None) for name in ("type", "item_type", "key_type", "value_type")
        )
        stack.extend(t for t in inner if isinstance(t, msgspec.inspect.Type))
        stack.extend(getattr(current, "types", ()) or ())
        stack.extend(field.type for field in getattr(current, "fields", ()) or ())
    return seen


def typed_decoder(annotation: Any) -> msgspec.json.Decoder[Any] | None:
    """A strict decoder straight into `annotation`, or None where its result could differ from
    the general way's (a number read as written rather than as a Python number)."""
    if annotation not in _typed_decoders:
        try:
            types = _types_within(msgspec.inspect.type_info(annotation))
        except TypeError:  # not a type msgspec knows
            types = [msgspec.inspect.AnyType()]
        exact = not any(isinstance(t, _NUMBER_READ_AS_WRITTEN) for t in types)
        _typed_decoders[annotation] = (
            msgspec.json.Decoder(annotation, strict=True) if exact else None
        )
    return _typed_decoders[annotation]


class StrictJsonRequest(BodyRequest):
    async def json(self) -> Any:
        data = self.route_handler.parsed_fn_signature.parameters.get("data")
        # The typed pass depends on the body and the type only, so a second call (none in this
        # app: Litestar reads `data` once) answers as the first did.
        if data is not None:
            decoder = typed_decoder(data.annotation)
            if decoder is not None and (body := await self.body()):
                try:
                    return decoder.decode(body)
                except msgspec.MsgspecError:
                    pass  # the general way below gives the answer
        value = await super().json()
        if data is None or value is None:
            return value
        try:
            return msgspec.convert(_integral_floats_as_ints(value), data.annotation, strict=True)
        except msgspec.ValidationError as error:
            raise invalid_body(error) from None


def invalid_body(error: msgspec.MsgspecError) -> ValidationException:
    """msgspec's refusal of a body as a 422 naming the field at fault (its path, `$.email`)."""
    at = _AT.search(str(error))
    key = at.group(1).lstrip(".") if at else "body"
    return ValidationException(
        "the request has invalid fields",
        extra=[{"key": key or "body", "message": str(error), "source": "body"}],
    )
