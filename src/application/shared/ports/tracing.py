"""Tracing: spans around the work that no library instruments (relaying, consuming, projecting,
paying), and the trace context that travels with an integration event.

The carrier is a W3C `traceparent` string, so it can be stored in the outbox and sent on any
bus. `NoTracing` is the default: tracing off costs a call that does nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Literal

SpanKind = Literal["internal", "producer", "consumer", "client"]
Attributes = Mapping[str, str | int | float | bool]


class Tracing(ABC):
    @abstractmethod
    def traceparent(self) -> str | None:
        """The current span's context as a W3C traceparent; None outside any span."""

    @abstractmethod
    def span(
        self,
        name: str,
        *,
        kind: SpanKind = "internal",
        parent: str | None = None,
        attributes: Attributes | None = None,
        links: Sequence[str] = (),
    ) -> AbstractContextManager[None]:
        """A span around the block, a child of `parent` (a traceparent) when given, otherwise of
        the current span, and linked to the spans of `links` (traceparents: what a batch's
        messages were created in, none of which is its parent). An exception leaving the block
        marks the span as failed."""


class NoTracing(Tracing):
    def traceparent(self) -> str | None:
        return None

    def span(
        self,
        name: str,
        *,
        kind: SpanKind = "internal",
        parent: str | None = None,
        attributes: Attributes | None = None,
        links: Sequence[str] = (),
    ) -> AbstractContextManager[None]:
        return nullcontext()
