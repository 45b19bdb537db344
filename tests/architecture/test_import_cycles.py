"""No import circle among the modules under src/.

The imports are read with `ast` (nothing is imported): `import a.b`, `from a.b import c` (a.b.c
when that is a module, else a.b), relative imports, and imports under `if TYPE_CHECKING:` too,
since a circle kept out of run time still ties the modules together for a reader.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Set
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def modules_under(root: Path) -> dict[str, Path]:
    """Module name -> file, for every .py file under root (a package is its __init__.py)."""
    found: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: Set[str]) -> set[str]:
    """The modules among `known` that the module `name` (read from `path`) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.add(submodule if submodule in known else source)
    return targets & known


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = modules_under(root)
    return {name: imports_of(name, path, modules.keys()) for name, path in modules.items()}


def cycles(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """Each strongly connected component of more than one module, or a module importing itself
    (Tarjan's algorithm), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component: list[str] = []
            while not component or component[-1] != module:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1 or module in graph.get(module, ()):
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def test_cycles_finds_a_circle_and_a_self_import_in_a_small_graph() -> None:
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},  # a -> b -> c -> a
        "d": set(),
        "e": {"e"},  # imports itself
        "f": {"d"},
    }
    assert cycles(graph) == [["a", "b", "c"], ["e"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_imports_are_read_with_type_checking_and_relative_ones(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bus.py").write_text("from pkg.delivery import Delivery\n")
    (package / "delivery.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .bus import Bus\n"
    )
    (package / "other.py").write_text("from pkg import delivery\nfrom . import bus as b\n")
    graph = import_graph(tmp_path)
    assert graph["pkg.delivery"] == {"pkg.bus"}
    assert graph["pkg.other"] == {"pkg.delivery", "pkg.bus"}
    assert cycles(graph) == [["pkg.bus", "pkg.delivery"]]


def test_src_has_no_import_circle() -> None:
    graph = import_graph(SRC)
    assert len(graph) > 100  # the tree was found and read
    found = cycles(graph)
    assert not found, "import circles under src/:\n" + "\n".join(" <-> ".join(c) for c in found)
