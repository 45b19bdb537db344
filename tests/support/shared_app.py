"""One app per settings, reused by the tests that ask for the same settings, put back as built.

Building the Litestar app costs about 0.2 s of CPU (its handlers' signatures; the container is a
tenth of that): the `app` fixture builds it once per settings value in a worker and, before each
later test, puts back every mutable part of it and of its container as they were right after
the build. Nothing names a store: the snapshot is the whole graph reachable from the app and
the container, so a store added tomorrow is put back too (tests/architecture/test_shared_app.py
proves it on every context's routes).

What is put back: every dict, list, set, deque and bytearray reached from the app and the
container through the project's objects, Litestar's, dependency-injector's and asyncio's (their
locks and events bind to the first test's event loop otherwise), filled as they were; each
such object's attributes (an outbox that swaps its list for a new one gets the old one back);
the singletons made after the build (made again on first use); the providers' overrides.
A test or fixture that overrides a provider before the app is built gets an app of its own.
The clock is the exception: every shared app reads it through a switch (SwitchedClock) that
each test sets to its own clock, or to the system's.
"""

from __future__ import annotations

import functools
import gc
import types
from collections import deque
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import attrgetter, is_not, ne
from typing import Any

from dependency_injector import containers, providers
from litestar import Litestar

from adapters.system.clock import SystemClock
from application.shared.ports.clock import Clock
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.clock import SwitchedClock

# The packages whose objects are walked into and whose state is put back; anything else (a
# logger, a thread pool, a database engine) is a leaf: shared, never rewound.
WALKED = frozenset(
    {"adapters", "application", "domain", "entrypoints", "litestar"}
    | {"asyncio", "anyio", "collections", "functools", "builtins", "msgspec"}
)
_MUTABLE = (dict, list, set, deque, bytearray)
_LEAVES = (type, types.ModuleType, types.CodeType, types.FrameType, str, bytes, int, float)


_MISSING = object()
_LRU_CACHE = type(functools.lru_cache(lambda: None))


def _walked(value: object) -> bool:
    return type(value).__module__.partition(".")[0] in WALKED


def _frozen(value: object) -> bool:
    """A frozen dataclass (Litestar's signatures' fields: a third of the attributes reached)."""
    params = getattr(type(value), "__dataclass_params__", None)
    return bool(getattr(params, "frozen", False))


def _referents(value: object) -> list[Any]:
    if isinstance(value, types.FunctionType):  # its closure, not its module's globals
        return [cell.cell_contents for cell in value.__closure__ or () if _full(cell)]
    if isinstance(value, types.MethodType):
        return [value.__self__]
    return gc.get_referents(value)


def _full(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 (an empty cell raises)
    except ValueError:
        return False
    return True


@dataclass
class Snapshot:
    """The mutable state reachable from `roots`, to put back with `restore`."""

    collections: list[tuple[Any, Any]] = field(default_factory=list)
    slots: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    singletons: list[tuple[providers.Provider[Any], set[int]]] = field(default_factory=list)
    overrides: list[tuple[providers.Provider[Any], tuple[Any, ...]]] = field(default_factory=list)
    kept: list[Any] = field(default_factory=list)  # what the ids above name stays alive
    caches: list[Any] = field(default_factory=list)  # functools' caches: emptied
    foreign: set[str] = field(default_factory=set)  # the types of the leaves, never rewound

    @classmethod
    def take(cls, container: Container, *roots: object) -> Snapshot:
        snapshot = cls()
        seen: set[int] = set()
        stack: list[Any] = [*roots]
        for provider in container.traverse(types=[providers.BaseSingleton]):
            made = gc.get_referents(provider)
            snapshot.singletons.append((provider, {id(part) for part in made}))
            snapshot.kept.extend(made)
            # What it made, not the provider: walking dependency-injector's objects makes new ones.
            stack.extend(part for part in made if not isinstance(part, providers.Provider))
        while stack:
            value = stack.pop()
            if id(value) in seen or isinstance(value, _LEAVES) or value is None:
                continue
            if isinstance(value, (providers.Provider, containers.Container)):
                continue
            seen.add(id(value))
            if isinstance(value, _LRU_CACHE):  # a route's cached parse: what it holds is made anew
                snapshot.caches.append(value)
                value.cache_clear()
                continue
            if isinstance(value, _MUTABLE):
                snapshot.collections.append((value, _copy(value)))
            elif not isinstance(value, (tuple, frozenset, types.FunctionType, types.MethodType)):
                if not _walked(value):
                    snapshot.foreign.add(f"{type(value).__module__}.{type(value).__qualname__}")
                    continue
                names = [n for k in type(value).__mro__ for n in getattr(k, "__slots__", ())]
                kept = {n: getattr(value, n) for n in names if hasattr(value, n)}
                if kept and not _frozen(value):  # a frozen one's fields are what they were
                    snapshot.slots.append((value, kept))
                if hasattr(value, "__dict__"):
                    stack.append(vars(value))  # made a dict of its own: put back in place
            stack.extend(_referents(value))
        for provider in container.traverse():
            snapshot.overrides.append((provider, provider.overridden))
        return snapshot

    def overridden(self) -> bool:
        """Whether a provider's overrides differ from the snapshot's."""
        return any(provider.overridden != was for provider, was in self.overrides)

    def restore(self) -> None:
        # Before each test that reuses an app, over ~10,000 collections and attributes of which
        # a test changes a few: each comparison runs in C (map, compress) and only what
        # changed is put back; a Python loop over them all was ~6 ms a test.
        for cache in self.caches:
            cache.cache_clear()
        providers_, was = self._overrides
        for provider, before in compress(
            self.overrides, map(ne, map(_OVERRIDDEN, providers_), was)
        ):
            provider.reset_override()
            for overriding in before:
                provider.override(overriding)
        for provider, made in self.singletons:
            if {id(part) for part in gc.get_referents(provider)} != made:
                provider.reset()  # made (again) after the snapshot: made afresh on first use
        owners, names, items = self._attributes
        for owner, name, item in compress(
            zip(owners, names, items, strict=True),
            map(is_not, map(getattr, owners, names, repeat(_MISSING)), items),
        ):
            object.__setattr__(owner, name, item)
        values, copies = self._collections
        for value, copy in compress(self.collections, map(ne, values, copies)):
            if isinstance(value, dict):
                value.clear()
                value.update(copy)
            elif isinstance(value, (list, deque, bytearray)):
                value.clear()
                value.extend(copy)
            else:
                value.clear()
                value.update(copy)

    # The same records as columns, for restore's map and compress (made at its first call).
    @functools.cached_property
    def _overrides(self) -> tuple[list[providers.Provider[Any]], list[tuple[Any, ...]]]:
        return [p for p, _ in self.overrides], [was for _, was in self.overrides]

    @functools.cached_property
    def _attributes(self) -> tuple[list[Any], list[str], list[Any]]:
        triples = [(v, n, item) for v, kept in self.slots for n, item in kept.items()]
        return [t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples]

    @functools.cached_property
    def _collections(self) -> tuple[list[Any], list[Any]]:
        return [v for v, _ in self.collections], [c for _, c in self.collections]


_OVERRIDDEN = attrgetter("overridden")


def _copy(value: Any) -> Any:
    return type(value)(value) if not isinstance(value, dict) else dict(value)


@dataclass
class Shared:
    container: Container
    clock: SwitchedClock
    app: Litestar | None = None
    snapshot: Snapshot | None = None
    built: list[tuple[Any, tuple[Any, ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The contexts' dependencies are overrides too (build_container wires them so).
        self.built = [(p, p.overridden) for p in self.container.traverse()]

    def overridden(self) -> bool:
        """Whether a test or fixture overrode a provider since the container was built."""
        return any(provider.overridden != was for provider, was in self.built)

    @classmethod
    def build(cls, settings: Settings) -> Shared:
        """A container on `settings` whose clock is a switch (an override before the app)."""
        container = build_container(settings)
        clock = SwitchedClock()
        container.platform.clock.override(providers.Object(clock))
        return cls(container, clock)


class SharedApps:
    """The apps of a worker, one per settings value (the last few)."""

    def __init__(self, keep: int = 3) -> None:
        self._keep = keep
        self._apps: dict[bytes, Shared] = {}
        self._by_container: dict[int, Shared] = {}

    def container(self, settings: Settings, clock: Clock | None = None) -> Container:
        """A container on `settings`: the one of a built app, put back as it was built, reading
        `clock` (the system's by default)."""
        import msgspec

        key = msgspec.json.encode(settings)
        shared = self._apps.pop(key, None)
        if shared is None or shared.snapshot is None:
            shared = Shared.build(settings)
        else:
            shared.snapshot.restore()
        shared.clock.reading = clock or SystemClock()
        self._apps[key] = shared  # the newest last
        while len(self._apps) > self._keep:
            old = self._apps.pop(next(iter(self._apps)))
            self._by_container.pop(id(old.container), None)
        self._by_container[id(shared.container)] = shared
        return shared.container

    def app(self, container: Container) -> Litestar:
        """The app of `container`, built on first use; a new one if a provider was overridden
        since (the app must see the override as a freshly built one would)."""
        shared = self._by_container.get(id(container))
        if shared is None:
            return create_app(container)
        if shared.app is None:
            if shared.overridden():
                return create_app(container)  # the container is put back at its next use
            shared.app = create_app(container)
            shared.snapshot = Snapshot.take(container, shared.app)
            return shared.app
        assert shared.snapshot is not None
        if shared.snapshot.overridden():
            return create_app(container)
        return shared.app


# The apps of this process (an xdist worker, or the only process): the `app` fixture's and the
# mail tests' (tests/support/mail.py).
WORKER = SharedApps()
