"""HTTP preconditions: entity tags carry an aggregate's version."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

from entrypoints.http.errors import problem

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description='The ETag of the version you changed, e.g. "3"; a stale one answers 412.',
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


def matches_any(if_none_match: str | None, version: int) -> bool:
    """Whether an If-None-Match header names this version (weak comparison, RFC 9110 13.1.2)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    tag = etag(version)
    return any(
        candidate.strip().removeprefix("W/") == tag for candidate in if_none_match.split(",")
    )


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header demands; None when there is no header or it is `*`.

    A tag that is not one of ours can never match, so it fails the precondition (412).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.split(",")[0].strip().removeprefix("W/")
    if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
        return int(tag[1:-1])
    raise problem(
        412, "stale-version", 'If-Match must be an entity tag this API returned, such as "3"'
    )
