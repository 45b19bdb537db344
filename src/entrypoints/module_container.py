"""ModuleContainer: the providers every context's container has (entrypoints/module.py says
what a context declares; this apart, so reading the declarations imports no dependency-injector:
serve's start-up check reads them on every start)."""

from __future__ import annotations

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
