"""Response: Litestar's Response, turned into its ASGI answer in one pass.

Litestar's own `Response` checks its headers and cookies against `typing.Mapping` (a slow
`isinstance` through typing's alias) and builds the ASGI answer through `MutableScopeHeaders`,
whose `setdefault` (content type, content length) is `MutableMapping`'s generic one: a lookup
that lower-cases and scans every header, raises KeyError, then scans again to set. For a handler
that returns `{"status": "up"}` that was about a third of Litestar's whole path per request
(bench/README.md, "The answer built in one pass"). This class gives the same answer, the same
headers in the same order, with the headers encoded once into the list the answer sends.

The app uses it for every handler that returns data (`response_class`); a handler that returns a
response itself builds this one. Anything unusual (an encoded header list, a HEAD answer, a
status without a body, the deprecated `app` argument) takes Litestar's own path.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from litestar import Request
from litestar import Response as LitestarResponse
from litestar.background_tasks import BackgroundTask, BackgroundTasks
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import MediaType
from litestar.response.base import ASGIResponse
from litestar.serialization import get_serializer
from litestar.types import TypeEncodersMap
from litestar.utils.helpers import get_enum_string_value

T = TypeVar("T")
_JSON = MediaType.JSON.value


class Response(LitestarResponse[T]):
    __slots__ = ()

    def __init__(
        self,
        content: T,
        *,
        background: BackgroundTask | BackgroundTasks | None = None,
        cookies: Any = None,
        encoding: str = "utf-8",
        headers: Any = None,
        media_type: Any = None,
        status_code: int | None = None,
        type_encoders: TypeEncodersMap | None = None,
    ) -> None:
        if cookies is not None or not (headers is None or type(headers) is dict):
            super().__init__(
                content,
                background=background,
                cookies=cookies,
                encoding=encoding,
                headers=headers,
                media_type=media_type,
                status_code=status_code,
                type_encoders=type_encoders,
            )
            return
        # Litestar's __init__ with no cookies and the headers a plain dict (or none), the usual.
        self.content = content
        self.background = background
        self.cookies = []
        self.encoding = encoding
        self.headers = {} if headers is None else dict(headers)
        self.media_type = media_type
        self.status_code = status_code
        self.response_type_encoders = {**(self.type_encoders or {}), **(type_encoders or {})}

    def to_asgi_response(
        self,
        app: Any,
        request: Request[Any, Any, Any],
        *,
        background: BackgroundTask | BackgroundTasks | None = None,
        cookies: Iterable[Cookie] | None = None,
        encoded_headers: Iterable[tuple[bytes, bytes]] | None = None,
        headers: dict[str, str] | None = None,
        is_head_response: bool = False,
        media_type: MediaType | str | None = None,
        status_code: int | None = None,
        type_encoders: TypeEncodersMap | None = None,
    ) -> ASGIResponse:
        status = self.status_code or status_code or 200
        if (
            app is not None
            or encoded_headers is not None
            or is_head_response
            or status < 200
            or status in (204, 304)
        ):
            return super().to_asgi_response(
                app,
                request,
                background=background,
                cookies=cookies,
                encoded_headers=encoded_headers,
                headers=headers,
                is_head_response=is_head_response,
                media_type=media_type,
                status_code=status_code,
                type_encoders=type_encoders,
            )
        if type_encoders:
            type_encoders = {**type_encoders, **(self.response_type_encoders or {})}
        else:
            type_encoders = self.response_type_encoders
        media = self.media_type or media_type or _JSON
        if type(media) is not str:
            media = get_enum_string_value(media)
        body = self.render(self.content, media, get_serializer(type_encoders))
        # Litestar's order: the route's headers, then the response's, then content type and length.
        merged: Mapping[str, Any] = {**headers, **self.headers} if headers else self.headers
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in merged.items()]
        if raw:
            present = {name for name, _ in raw}
            if b"content-type" not in present:
                raw.append((b"content-type", _content_type(media, self.encoding)))
            if b"content-length" not in present:
                raw.append((b"content-length", str(len(body)).encode("latin-1")))
        else:
            raw = [
                (b"content-type", _content_type(media, self.encoding)),
                (b"content-length", str(len(body)).encode("latin-1")),
            ]
        if cookies is not None:
            cookies = itertools.chain(self.cookies, cookies)
        elif self.cookies:
            cookies = self.cookies
        return _Built(raw, body, status, self.background or background, cookies, self.encoding)


def _content_type(media: str, encoding: str) -> bytes:
    return (f"{media}; charset={encoding}" if media.startswith("text/") else media).encode(
        "latin-1"
    )


class _Built(ASGIResponse):
    """ASGIResponse as its __init__ leaves it, from headers already encoded. Its cookies' headers
    are kept in a slot of this class and added by `encode_headers` (public), as Litestar's are:
    ASGIResponse keeps them in a private slot that only its __init__, skipped here, sets."""

    __slots__ = ("_cookie_headers",)

    def __init__(
        self,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        status: int,
        background: BackgroundTask | BackgroundTasks | None,
        cookies: Iterable[Cookie] | None,
        encoding: str,
    ) -> None:
        self.headers = MutableScopeHeaders()
        self.headers.headers = headers
        self.background = background
        self.body = body
        self.content_length = len(body)
        self._cookie_headers = tuple(
            cookie.to_encoded_header()
            for cookie in (cookies or ())
            if not cookie.documentation_only
        )
        self.encoding = encoding
        self.is_head_response = False
        self.status_code = status

    def encode_headers(self) -> list[tuple[bytes, bytes]]:
        return [*self.headers.headers, *self._cookie_headers]
