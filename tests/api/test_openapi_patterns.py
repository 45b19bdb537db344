"""The document's patterns mean the same to every reader.

A published pattern is read by Python (the decoder that checks the request), by JSON Schema
validators (ECMAScript's dialect) and by clients' generators. `\\s`, `\\d`, `\\w` and `\\b` differ
between them (Python's `\\s` takes U+0085, ECMAScript's U+FEFF; Python's `\\d` any decimal digit),
which let a fuzzer send a valid address the decoder refused. Patterns name their characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from litestar import Litestar

from entrypoints.http.patterns import in_words

_SHORTHAND = re.compile(r"(?<!\\)(?:\\\\)*\\[sSdDwWbB]")


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_no_published_pattern_uses_a_class_shorthand(app: Litestar) -> None:
    patterns = list(_patterns(app.openapi_schema.to_schema()))

    assert patterns, "the document publishes patterns"
    assert [p for p in patterns if _SHORTHAND.search(p)] == []


def test_every_published_pattern_is_said_in_words(app: Litestar) -> None:
    """A value a pattern refuses gets a message in words, not the regex (a currency's lists
    every ISO 4217 code): each pattern is declared with `pattern(regex, means)`."""
    refusals = {
        f"Expected `str` matching regex {p!r}" for p in _patterns(app.openapi_schema.to_schema())
    }

    assert [message for message in refusals if in_words(message) == message] == []
