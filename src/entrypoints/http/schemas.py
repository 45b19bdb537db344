"""Schemas shared by every context's HTTP part."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat
from litestar.params import Parameter

from domain.shared.currencies import ISO_4217_CODES
from domain.shared.errors import InvalidValue
from entrypoints.http.patterns import pattern

# Opaque: only a `next_cursor` this API returned names a position; any other string is 422.
Cursor = Annotated[
    str | None,
    Parameter(
        pattern=pattern(r"^[A-Za-z0-9_-]+$", "a `next_cursor` this API returned"),
        max_length=512,
        description="Opaque: a `next_cursor` this API returned; any other value answers 422",
    ),
]


# A date-time query parameter is declared `str` with this, and read with `timestamp`: Litestar's
# own conversion is lenient (it takes "0.5" as a Unix time) where the document promises RFC 3339.
DATE_TIME: dict[str, Any] = {"format": OpenAPIFormat.DATE_TIME}


def timestamp(field: str, value: str | None) -> datetime | None:
    """An RFC 3339 date-time with its offset, or a 422 naming the field."""
    if value is None:
        return None
    try:
        moment = msgspec.convert(value, datetime, strict=True)
    except msgspec.ValidationError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidValue(field, "must be an RFC 3339 date-time with offset: 2026-01-31T12:00:00Z")
    return moment


# Money travels as a decimal string so no client parses it as a float; the pattern and the enum
# are domain/shared/money.py's rules (two places, not negative, below MAX_AMOUNT, a known code).
Amount = Annotated[
    str,
    msgspec.Meta(
        pattern=pattern(
            r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
            'a decimal number as a string, at most two places: "12.50"',
        ),
        description='A decimal number as a string, at most two places: "12.50"',
        examples=["12.50"],
    ),
]
Currency = Annotated[
    str,
    msgspec.Meta(
        # Only the codes the domain knows: the pattern is what the decoder enforces (naming the
        # field), the enum what clients read (Litestar takes OpenAPI keywords from "extra").
        pattern=pattern(
            f"^({'|'.join(sorted(ISO_4217_CODES))})$", "an ISO 4217 currency code, such as EUR"
        ),
        description="ISO 4217 code",
        examples=["EUR"],
        extra_json_schema={"extra": {"enum": sorted(ISO_4217_CODES)}},
    ),
]


class MoneyBody(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount
    currency: Currency


class MoneyOut(msgspec.Struct):
    amount: str
    currency: str
