"""ModuleContainer: the providers every context's container has (entrypoints/module.py says
what a context declares; this apart, so reading the declarations imports no dependency-injector:
serve's start-up check reads them on every start)."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from dependency_injector import containers, providers


class ModuleContainer(containers.DeclarativeContainer):
    """The providers every context container has (empty unless the context overrides them).

    `platform` is the shared machinery (database, cache, bus, outbox, event store, clock, ids).
    """

    platform = providers.DependenciesContainer()
    # The providers HTTP handlers may inject, by name (nothing else is injectable).
    use_cases: ClassVar[tuple[str, ...]] = ()
    consumers = providers.List()  # shared durable consumers: one position for all workers
    listeners = providers.List()  # one copy of every event per process
    projectors = providers.List()  # read models kept up to date from the event store
    probes = providers.Dict()  # readiness checks: name -> async () -> Status (None: not used)
    resources = providers.List()  # adapters holding connections, closed at shutdown
    after_commit = providers.List()  # in-process reactions to the events a commit recorded
    personal_data = providers.List()  # PersonalDataSection: its part of a person's data export
    chores: providers.Provider[list[Any]] = (
        providers.List()
    )  # housekeeping of its tables: a provider of a list of Chore


def reacting(make: Any, /, **injections: Any) -> providers.Factory[Any]:
    """A Factory of units of work from `make` that carry `on_committed` (among `injections`).

    Not `Factory(make, ...).add_attributes(on_committed=...)`: dependency-injector's attribute
    injection made each unit of work (one per write request) cost 1.7 µs more of CPU than this
    plain assignment (bench/README.md, session 16). Still a Factory: overrides hold.
    """
    return providers.Factory(_with_reactions, make, **injections)


def _with_reactions(make: Any, /, *, on_committed: Any, **arguments: Any) -> Any:
    made = make(**arguments)
    made.on_committed = on_committed
    return made


def made_once(units_of_work: providers.Selector[Any]) -> providers.Factory[Any]:
    """For handlers and consumers: a maker of the units of work `units_of_work` (a Selector of
    Factories) provides, the choice and its injections resolved once, when the handler is made,
    as the handler's other dependencies (its clock, its ids) are. Through dependency-injector, a
    unit of work (one per write request) cost about 20 µs of CPU under W3, against 3 µs made by
    a plain call (bench/README.md, session 17). An override of `units_of_work` (a test's) still
    applies at once, to handlers made before it too. Each context's container declares one,
    `units_of_work`, for all its handlers."""
    return providers.Factory(UnitsOfWork, units_of_work.provider)


class UnitsOfWork:
    """Makes the units of work of the Selector's choice by a plain call, while neither the
    Selector nor the chosen Factory is overridden; through them otherwise, and always when the
    chosen Factory injects attributes or anything but one shared object (a Singleton's, an
    Object's): resolving a Factory's product once would share what each call must make anew."""

    __slots__ = ("_chosen", "_make", "_selector")

    def __init__(self, selector: providers.Selector[Any]) -> None:
        self._selector = selector
        self._chosen = chosen = selector.providers[selector.selector()]  # type: ignore[misc]
        self._make: Any = selector
        if type(chosen) is not providers.Factory or chosen.attributes:
            return
        make, args, kwargs = chosen.provides, chosen.args, chosen.kwargs
        if make is not None and all(_shared(value) for value in [*args, *kwargs.values()]):
            made = {name: _injected(value) for name, value in kwargs.items()}
            self._make = partial(make, *[_injected(value) for value in args], **made)

    def __call__(self, **arguments: Any) -> Any:
        # `last_overriding`: a read of `overridden` (a tuple) costs ten times as much.
        if self._selector.last_overriding is not None or self._chosen.last_overriding is not None:
            return self._selector(**arguments)
        return self._make(**arguments)


def _shared(value: Any) -> bool:
    """Whether `value` injects the same object at every call: not a provider, or (through the
    Dependency a DependenciesContainer holds) a Singleton's or an Object's."""
    while isinstance(value, providers.Dependency) and value.last_overriding is not None:
        value = value.last_overriding
    if not isinstance(value, providers.Provider):
        return True
    # Not BaseSingleton: a thread-local or context-local one makes one object per thread/context.
    return isinstance(value, (providers.Singleton, providers.ThreadSafeSingleton, providers.Object))


def _injected(value: Any) -> Any:
    """What dependency-injector injects for `value`: a provider's product, else the value."""
    return value() if isinstance(value, providers.Provider) else value
