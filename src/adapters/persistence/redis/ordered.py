"""Creation order on Redis: a sorted set whose members sort as (created_at, id) do.

Every member has score 0 and reads `<microseconds since 1970, 20 digits>:<id>`, so the set's
lexicographic order is the order the ports page by, and a page after a position is one
ZRANGE ... BYLEX from that position, exclusive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.persistence.redis.documents import RedisDocuments

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OFFSET = 10**18  # keeps the digits positive for any year the domain accepts


def microseconds(moment: datetime) -> int:
    """Since 1970: exact in a sorted set's score (a double) until the year 2255."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def member(created_at: datetime, id_: UUID) -> str:
    return f"{microseconds(created_at) + _OFFSET:020d}:{id_}"


def member_id(value: bytes | str) -> UUID:
    text = value.decode() if isinstance(value, bytes) else value
    return UUID(text.partition(":")[2])


async def ids_after(
    documents: RedisDocuments, key: str, after: str | None, *, chunk: int
) -> AsyncIterator[list[UUID]]:
    """The ids of `key` after the member `after` (all of them for None), `chunk` at a time."""
    start = "-" if after is None else f"({after}"
    while True:
        async with documents.reachable():
            found = await documents.client.zrangebylex(key, start, "+", start=0, num=chunk)
        if not found:
            return
        yield [member_id(value) for value in found]
        if len(found) < chunk:
            return
        last = found[-1]
        start = "(" + (last.decode() if isinstance(last, bytes) else last)
