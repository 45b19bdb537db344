"""MessageContext: who and what caused the events a unit of work records.

The HTTP layer binds the request id as correlation id (and, with identity, the actor); the
consumer runner binds the incoming event's correlation id, makes the event their cause and
names its tenant: the events a consumer commits may belong to that tenant or to none (the
single tenant), never to another organisation (IntegrationEvents refuses them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from domain.shared.tenant import Tenant


class MessageContext(NamedTuple):
    """Immutable; a named tuple rather than a frozen dataclass because every request makes one
    (bench/README.md, "W0 over HTTP": a frozen dataclass's __init__ cost the request layer
    several times a tuple's)."""

    correlation_id: str | None = None
    causation_id: str | None = None
    actor: str | None = None
    # The tenant of the event being consumed; None outside a consumer.
    tenant: Tenant | None = None


_NONE = MessageContext()
_current: ContextVar[MessageContext | None] = ContextVar("portico_message_context", default=None)


def current_context() -> MessageContext:
    return _current.get() or _NONE


def bind_context(
    *, correlation_id: str | None = None, causation_id: str | None = None, actor: str | None = None
) -> None:
    """Set the context for the rest of the current task (a request, a delivery)."""
    _current.set(MessageContext(correlation_id, causation_id, actor))


def bind_actor(actor: str | None) -> None:
    """Name who acts for the rest of the current task, keeping the correlation (identity's
    authentication binds the user here once it has checked the token)."""
    current = current_context()
    _current.set(
        MessageContext(current.correlation_id, current.causation_id, actor, current.tenant)
    )


@contextmanager
def message_context(context: MessageContext) -> Iterator[None]:
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)
