"""BodyRequest: Litestar's Request, its body read in one loop over the ASGI messages.

Litestar's `Request.body()` joins an async generator (`stream()`), which first reads the
content length through `Request.headers`: a case-insensitive multidict of every header, decoded,
built for that one lookup. This reads the same messages with the same limits and the same
errors (413 on an announced or a streamed size over the limit, 400 on a bad content length,
the disconnects), finding the content length in the scope's raw headers (bench/README.md,
"Session 17: the create's HTTP side").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

from litestar import Request
from litestar.exceptions import ClientException, InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import Empty

if TYPE_CHECKING:
    from litestar.types import HTTPReceiveMessage

_CONTENT_LENGTH = b"content-length"


class BodyRequest(Request[Any, Any, Any]):
    async def body(self) -> bytes:
        body = self._body
        if type(body) is bytes:
            return body
        state = self._connection_state
        if type(state.body) is bytes:  # read already, by another Request of this scope
            self._body = state.body
            return state.body
        if not self.is_connected:
            raise InternalServerException("stream consumed")
        limit = self.route_handler.resolve_request_max_body_size() or math.inf
        announced = self._announced_length()
        if announced is not None and announced > limit:
            raise RequestEntityTooLarge  # before reading anything
        chunks: list[bytes] = []
        total = 0
        while True:
            event = cast("HTTPReceiveMessage", await self.receive())
            if event["type"] == "http.request":
                chunk = event["body"]
                if chunk:
                    # The limit holds on the bytes received; the content length is the server's
                    # to check (a decompressing middleware may legitimately exceed it).
                    total += len(chunk)
                    if total > limit:
                        raise RequestEntityTooLarge
                    chunks.append(chunk)
                if not event.get("more_body", False):
                    break
            elif event["type"] == "http.disconnect":
                raise InternalServerException("client disconnected prematurely")
        self.is_connected = False
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._body = state.body = body
        return body

    def _announced_length(self) -> int | None:
        """`Request.content_length` from the raw headers: the first Content-Length, if any."""
        known = self._content_length
        if known is not Empty:
            return known
        for name, value in self.scope["headers"]:
            if name.lower() == _CONTENT_LENGTH:  # ASGI says lower case; Headers ignores case
                text = value.decode("latin-1")
                try:
                    self._content_length = int(text)
                except ValueError:
                    raise ClientException(f"Invalid content-length: {text!r}") from None
                return self._content_length
        self._content_length = None
        return None
