"""made_once: a handler's units of work made by a plain call, overrides of the Selector applying."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from entrypoints.module_container import made_once, reacting


class Work:
    """A unit of work's stand-in: what it was made with."""

    on_committed: Any = None

    def __init__(self, database: object) -> None:
        self.database = database


class OtherWork(Work):
    """Another choice of the Selector's, told apart by its type."""


def _selector(choice: str = "sql") -> tuple[providers.Selector[Any], providers.Singleton[Any]]:
    database = providers.Singleton(object)
    reactions = providers.Singleton(list)
    selector = providers.Selector(
        providers.Object(choice),
        sql=reacting(Work, database=database, on_committed=reactions),
        memory=reacting(OtherWork, database=providers.Object("memory"), on_committed=reactions),
    )
    return selector, database


def test_it_makes_the_chosen_unit_of_work_with_its_injections() -> None:
    selector, database = _selector()
    make = made_once(selector)()

    first, second = make(), make()

    assert type(first) is Work
    assert first is not second  # a new unit of work each time
    assert first.database is database()
    assert first.on_committed == []
    assert first.on_committed is second.on_committed


def test_it_follows_the_selector_s_choice() -> None:
    selector, _ = _selector("memory")

    made = made_once(selector)()()

    assert type(made) is OtherWork
    assert made.database == "memory"


def test_an_override_of_the_selector_applies_to_a_maker_made_before_it() -> None:
    # Without the override check the maker would keep making Work (tests override `uow` after
    # the handlers are made).
    selector, _ = _selector()
    make = made_once(selector)()
    replacement = OtherWork("replacement")

    with selector.override(providers.Object(replacement)):
        assert make() is replacement
    assert type(make()) is Work


def test_an_override_of_the_chosen_factory_applies_too() -> None:
    selector, _ = _selector()
    make = made_once(selector)()
    replacement = OtherWork("replacement")

    with selector.providers["sql"].override(providers.Object(replacement)):
        assert make() is replacement


class ReadingWork(Work):
    def __init__(self, database: object, read_only: bool = False) -> None:
        super().__init__(database)
        self.read_only = read_only


def test_it_passes_read_only_on() -> None:
    # Without `**arguments` in the maker, `uow(read_only=True)` of a query handler is a TypeError.
    selector = providers.Selector(
        providers.Object("sql"), sql=providers.Factory(ReadingWork, database="db")
    )
    make = made_once(selector)()

    assert make(read_only=True).read_only is True
    assert make().read_only is False
    with selector.override(providers.Factory(ReadingWork, database="other")):
        assert make(read_only=True).read_only is True


def test_a_plain_factory_s_shared_injections_are_resolved_once() -> None:
    database = providers.Singleton(object)
    selector = providers.Selector(providers.Object("sql"), sql=providers.Factory(Work, database))
    make = made_once(selector)()

    assert make().database is database()
    with database.override(providers.Object("replaced later")):
        assert make().database != "replaced later"  # resolved when the maker was made


def test_a_factory_injecting_a_new_object_each_time_still_makes_a_new_one() -> None:
    # Resolving once would give every unit of work the same object: made through the Selector.
    selector = providers.Selector(
        providers.Object("sql"), sql=providers.Factory(Work, providers.Factory(object))
    )
    make = made_once(selector)()

    assert make().database is not make().database
