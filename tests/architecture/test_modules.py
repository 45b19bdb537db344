"""The contexts are modules: each declares itself once and the root walks the list."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.container import build_container
from entrypoints.modules import CONTEXTS, load_modules
from entrypoints.settings import AuthSettings, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        persistence="memory", auth=AuthSettings(dev_key_file=str(tmp_path / "key.json"))
    )


def test_every_listed_context_declares_its_module_under_its_name() -> None:
    modules = load_modules()
    assert [module.name for module in modules] == list(CONTEXTS)
    for module in modules:
        assert (ROOT / "src" / "entrypoints" / module.name / "module.py").is_file()


def test_a_context_comes_after_the_contexts_it_needs() -> None:
    seen: set[str] = set()
    for module in load_modules():
        assert set(module.needs) <= seen, f"{module.name} needs {module.needs}, seen {seen}"
        seen.add(module.name)


def test_every_use_case_http_may_inject_is_a_provider_of_its_context(settings: Settings) -> None:
    container = build_container(settings)
    names = [name for module in load_modules() for name in module.container().use_cases]
    assert len(names) == len(set(names)), "two contexts expose a use case under one name"
    for module in load_modules():
        context = getattr(container, module.name)
        for name in module.container().use_cases:
            handler = getattr(context, name)()
            # Its use case, or a behaviour composed around it (application/shared: Idempotent).
            kind = type(handler).__module__
            assert kind.startswith((f"application.{module.name}.", "application.shared.")), name
            assert callable(handler), name


def test_the_root_gathers_what_each_context_contributes(settings: Settings) -> None:
    container = build_container(settings)
    contexts = [getattr(container, module.name) for module in load_modules()]
    for part in ("consumers", "listeners", "projectors", "resources"):
        contributed = [item for context in contexts for item in getattr(context, part)()]
        gathered = getattr(container, part)()
        assert all(any(item is g for g in gathered) for item in contributed), part
    assert {name for context in contexts for name in context.probes()} <= set(container.probes())
    # After a commit, each context's reactions run whatever context committed.
    reactions = container.platform.after_commit()._reactions
    assert all(r in reactions for context in contexts for r in context.after_commit())


def test_the_published_events_are_the_contexts_declarations(settings: Settings) -> None:
    """Each context's events are declared once (`Module.events`); the registry publishes those."""
    registry = build_container(settings).platform.event_registry()
    declared = [d for module in load_modules() if module.events for d in module.events]
    for module in load_modules():
        assert module.events is None or module.events.context == module.name
    assert [(t.name, t.version) for t in registry.types] == sorted(
        (d.name, d.version) for d in declared
    )


def test_no_module_of_the_wiring_is_over_150_lines() -> None:
    wiring = [
        ROOT / "src/entrypoints/container.py",
        ROOT / "src/entrypoints/module.py",
        ROOT / "src/entrypoints/modules.py",
        *(ROOT / "src/entrypoints").glob("*/container.py"),
        *(ROOT / "src/entrypoints").glob("*/module.py"),
    ]
    assert len(wiring) >= 3 + 2 * len(CONTEXTS)
    long = {path.name: n for path in wiring if (n := len(path.read_text().splitlines())) > 150}
    assert not long, long
