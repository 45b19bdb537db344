"""Module: what one bounded context brings to the running system, declared once.

A context's module (`entrypoints/<context>/module.py`) names its container, the other
contexts it needs, its HTTP part, its event declarations and its CLI commands. Its container
(a `ModuleContainer`, entrypoints/module_container.py) names the use cases HTTP may inject and
lists, as providers, what the processes run for it: consumers, listeners, projectors, readiness
probes, the resources to close and the reactions after a commit. The root container, the HTTP
app, the worker and the CLI walk the modules named in `entrypoints/modules.py`; none of them
names a context's pieces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from application.shared.event_declarations import ContextEvents
from application.shared.seeding import SeedPlan, SeedRun

if TYPE_CHECKING:  # dependency-injector: only the containers import it (startup.py reads these)
    from entrypoints.module_container import ModuleContainer


@dataclass(frozen=True)
class HttpPart:
    """What a context adds to the Litestar app (all optional). Its middleware wraps every
    context's routes (not health, nor the OpenAPI pages)."""

    route_handlers: Sequence[Any] = ()
    middleware: Sequence[Any] = ()
    dependencies: Mapping[str, Any] = field(default_factory=dict)
    stores: Mapping[str, Any] = field(default_factory=dict)  # Litestar stores, by name
    on_startup: Sequence[Callable[[], Any]] = ()
    on_shutdown: Sequence[Callable[[], Any]] = ()


@dataclass(frozen=True)
class SeedSize:
    """One `portico seed --NAME N` flag a context sizes its demo data by."""

    name: str
    default: int
    help: str


@dataclass(frozen=True, kw_only=True)
class Seed:
    """What a context adds to `portico seed`. Both steps get the root container.

    `refusal` runs for every context before any writes: why this database or plan cannot be
    seeded (it already holds data, a count it needs is 0), or None. `fill` writes through the
    context's use cases and answers the lines to print once done.
    """

    sizes: Sequence[SeedSize]
    refusal: Callable[[Any, SeedPlan], Awaitable[str | None]]
    fill: Callable[[Any, SeedRun], Awaitable[Sequence[str]]]


@dataclass(frozen=True, kw_only=True)
class Module:
    name: str
    # A function answering the context's container class, importing it then: reading the
    # declarations (the CLI does, for its commands and flags) loads no adapter or framework.
    container: Callable[[], type[ModuleContainer]]
    # Contexts whose container this one receives, under the same name (declared, not imported).
    needs: tuple[str, ...] = ()
    # The HTTP part, built from the root container once the app is created (it imports its
    # controllers when called, for the same reason).
    http: Callable[[Any], HttpPart] | None = None
    # The context's event declarations: published as integration events (and what else derives).
    events: ContextEvents | None = None
    # Adds the context's `portico` subcommands (argparse's `add_subparsers()` object).
    cli: Callable[[Any], None] | None = None
    # Demo data for `portico seed`, written after the contexts before it in CONTEXTS.
    seed: Seed | None = None
    # The PORTICO_PERSISTENCE choices it has adapters for (None: it keeps no state of its own);
    # any other choice is refused at start-up, naming these.
    stores: tuple[str, ...] | None = ("sql", "memory")
