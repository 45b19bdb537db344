"""A request field's pattern, declared with what it means in words.

msgspec refuses a string that does not match its field's pattern with "Expected `str` matching
regex '...'", the whole regular expression in the message: hundreds of escaped characters for an
email (the white space it trims) or a currency (every ISO 4217 code). A 422 says instead what
`pattern(regex, means)` recorded: "Expected an email address, such as ada@example.com". The
regex itself stays in the OpenAPI document for clients that check before they send.
"""

from __future__ import annotations

from domain.shared.white_space import WHITE_SPACE

# msgspec's message for a value the regex refuses -> ours. Filled at import by the schemas.
_MEANINGS: dict[str, str] = {}


def pattern(regex: str, means: str) -> str:
    """`regex`, for `msgspec.Meta(pattern=...)`; a value it refuses is "Expected <means>"."""
    _MEANINGS[f"Expected `str` matching regex {regex!r}"] = f"Expected {means}"
    return regex


def in_words(message: str) -> str:
    """`message` (a decoding error's, its path removed) with a pattern's regex put in words."""
    return _MEANINGS.get(message, message)


# A line of text (a name, a title): tabs allowed, not blank.
LINE = pattern(
    rf"^[^\x00-\x08\x0a-\x1f\x7f]*[^{WHITE_SPACE}\x00-\x1f\x7f][^\x00-\x08\x0a-\x1f\x7f]*$",
    "one line of text, not blank, without control characters but tabs",
)
# Free text (a description): tabs and line breaks allowed, may be empty.
TEXT = pattern(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
    "text without control characters but tabs and line breaks",
)
