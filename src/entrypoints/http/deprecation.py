"""Marking a route deprecated, as clients can see it at run time and in the OpenAPI document:
`@get("/old", **deprecated(since=..., sunset=..., successor="/api/v2/new"))`.

Each answer of the route carries `Deprecation` (RFC 9745: when it was deprecated), `Sunset`
(RFC 8594: when it stops answering) and, with a successor, `Link: <...>; rel="successor-version"`;
the document marks the operation `deprecated` and lists those headers (docs/api.md).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Any

from litestar.datastructures import ResponseHeader


def deprecated(
    *, since: datetime, sunset: datetime, successor: str | None = None
) -> dict[str, Any]:
    """Keywords for a route decorator; `since` and `sunset` must carry their time zone."""
    if since.tzinfo is None or sunset.tzinfo is None:
        raise ValueError("since and sunset must be aware datetimes")
    if sunset <= since:
        raise ValueError("sunset must come after since")
    headers = [
        ResponseHeader(
            name="Deprecation",
            value=f"@{int(since.timestamp())}",
            description="When this route was deprecated (RFC 9745)",
        ),
        ResponseHeader(
            name="Sunset",
            value=format_datetime(sunset, usegmt=True),
            description="When this route stops answering (RFC 8594)",
        ),
    ]
    if successor is not None:
        headers.append(
            ResponseHeader(
                name="Link",
                value=f'<{successor}>; rel="successor-version"',
                description="The route to use instead",
            )
        )
    return {"deprecated": True, "response_headers": headers}
