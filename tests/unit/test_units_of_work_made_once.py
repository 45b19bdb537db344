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
    pass


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
