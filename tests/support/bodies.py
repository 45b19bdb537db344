"""A request body read both ways StrictJsonRequest knows: the typed first pass and the general
way (decode, integral floats as ints, strict convert). The typed pass must give what the general
way gives, or step aside."""

from __future__ import annotations

from typing import Any

import msgspec

from entrypoints.http.strict_body import _integral_floats_as_ints, typed_decoder


def general(body: bytes, annotation: Any) -> Any:
    return msgspec.convert(
        _integral_floats_as_ints(msgspec.json.decode(body)), annotation, strict=True
    )


def typed(body: bytes, annotation: Any) -> Any:
    decoder = typed_decoder(annotation)
    assert decoder is not None, f"{annotation} goes the general way"
    return decoder.decode(body)
