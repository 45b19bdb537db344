"""Removing a bounded context from a tree, said once.

A context is a folder in each layer (src/<layer>/<name>), its tests (tests/**/<name>), one line in
src/entrypoints/modules.py, its docs page, the import-linter port lines that name its modules, and
the benchmark scripts that drive it (with their Makefile targets). `remove_context` deletes all of
that; tests/architecture/test_remove_context.py checks that what is left is green, and the
template's rename-and-prune step (tools/make_it_yours.py) uses it for the contexts not kept.

A fork that has already deployed a database adds a migration that drops the context's tables
(docs/architecture.md). A project that has never been deployed can instead have the context cut out
of its migration history: `prune_migrations`. Standard library only (it runs under Copier's Python).
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LAYERS = ("domain", "application", "adapters", "entrypoints")
# The HTTP routes of the sample contexts, for the benchmark scripts that call them without
# importing the context's code.
ROUTES = {"catalog": "/api/v1/products", "ordering": "/api/v1/orders"}


@dataclass
class Removal:
    """What `remove_context` deleted or edited, relative to the root."""

    deleted: list[Path] = field(default_factory=list)
    edited: list[Path] = field(default_factory=list)


def _module_pattern(name: str) -> re.Pattern[str]:
    layers = "|".join(LAYERS)
    return re.compile(rf"\b(?:{layers})\.{re.escape(name)}\b")


def context_tables(root: Path, name: str) -> set[str]:
    """The SQL tables `src/adapters/<name>/tables.py` declares (`Table("name", ...)`)."""
    tables = root / "src" / "adapters" / name / "tables.py"
    if not tables.is_file():
        return set()
    found = set()
    for node in ast.walk(ast.parse(tables.read_text())):
        if (
            isinstance(node, ast.Call)
            and _call_name(node) == "Table"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def remove_context(root: Path, name: str) -> Removal:
    """Delete context `name` from the tree at `root`; what is already gone is skipped."""
    removal = Removal()
    folders = [p for p in (root / "src").glob(f"*/{name}") if p.is_dir()]
    folders += [p for p in (root / "tests").rglob(name) if p.is_dir()]
    page = root / "docs" / f"{name}.md"
    benches = _bench_scripts(root, name)
    for path in [*folders, *([page] if page.is_file() else []), *benches]:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        removal.deleted.append(path.relative_to(root))

    line = f'    "{name}",\n'
    _edit(root, "src/entrypoints/modules.py", lambda text: text.replace(line, ""), removal)
    pattern = _module_pattern(name)
    _edit(root, "pyproject.toml", lambda text: _drop_port_lines(text, pattern), removal)
    scripts = [p.name for p in benches]
    _edit(root, "Makefile", lambda text: _drop_make_targets(text, scripts), removal)
    return removal


def _edit(root: Path, relative: str, change: Callable[[str], str], removal: Removal) -> None:
    path = root / relative
    if not path.is_file():
        return
    text = path.read_text()
    new = change(text)
    if new != text:
        path.write_text(new)
        removal.edited.append(Path(relative))


def _bench_scripts(root: Path, name: str) -> list[Path]:
    pattern = _module_pattern(name)
    route = ROUTES.get(name)
    found = []
    for script in sorted((root / "bench").glob("*.py")):
        text = script.read_text()
        if pattern.search(text) or (route is not None and route in text):
            found.append(script)
    return found


def _drop_port_lines(text: str, pattern: re.Pattern[str]) -> str:
    """Drop the lines naming the context's modules, and a comment that only introduced them."""
    out: list[str] = []
    comments: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("#"):
            comments.append(line)
            continue
        if pattern.search(line):
            continue
        if comments and out and out[-1].rstrip().endswith("[") and line.strip() == "]":
            comments = []  # the comment introduced only dropped lines
        out += comments
        comments = []
        out.append(line)
    return "".join(out + comments)


def _drop_make_targets(text: str, scripts: list[str]) -> str:
    """Drop the Makefile targets that run one of `scripts`, and their .PHONY names."""
    if not scripts:
        return text
    blocks = re.split(r"\n(?=[a-z][a-z-]*:)", text)
    gone = []
    kept = []
    for block in blocks:
        if any(f"bench/{script}" in block for script in scripts) and not block.startswith(".PHONY"):
            gone.append(block.split(":", 1)[0])
            # The target and its recipe go; what follows them (an adapter tag's begin or end, a
            # variable, a comment) belongs to what comes next and stays.
            lines = block.split("\n")
            recipe = 1
            while recipe < len(lines) and lines[recipe].startswith("\t"):
                recipe += 1
            rest = "\n".join(lines[recipe:]).strip("\n")
            if rest:
                kept.append("\n" + rest + "\n")
            continue
        kept.append(block)
    new = "\n".join(kept)
    for target in gone:
        new = re.sub(rf"(?m)^(\.PHONY:.*) {re.escape(target)}(?=\s|$)", r"\1", new)
    return new


# Migrations -----------------------------------------------------------------------------------


class MigrationError(ValueError):
    """A migration statement that names a removed table in a way this pruner does not know."""


def prune_migrations(root: Path, tables: set[str]) -> list[Path]:
    """Cut `tables` out of migrations/versions: their statements go, an emptied revision goes
    and the next one is relinked to its parent. Returns the revision files deleted."""
    versions = root / "migrations" / "versions"
    scripts = {}
    for path in sorted(versions.glob("*.py")):
        text = path.read_text()
        scripts[path] = text
    deleted = []
    parents: dict[str, str | None] = {}
    for path, text in scripts.items():
        new, empty = _prune_script(text, tables, path)
        revision, parent = _revision(new)
        if empty:
            path.unlink()
            deleted.append(path.relative_to(root))
            parents[revision] = parent
        elif new != text:
            path.write_text(new)
    for path in sorted(versions.glob("*.py")):
        text = path.read_text()
        _, parent = _revision(text)
        if parent not in parents:
            continue
        while parent in parents:
            parent = parents[parent]
        value = "None" if parent is None else f'"{parent}"'
        text = re.sub(r"(?m)^(down_revision: .*= ).*$", rf"\g<1>{value}", text, count=1)
        text = re.sub(r"(?m)^Revises: .*$", f"Revises: {parent or ''}".rstrip(), text, count=1)
        path.write_text(text)
    return deleted


def _revision(text: str) -> tuple[str, str | None]:
    module = ast.parse(text)
    values: dict[str, str | None] = {}
    for node in module.body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(node.value, ast.Constant)
        ):
            value = node.value.value
            values[node.target.id] = value if isinstance(value, str) else None
    return str(values["revision"]), values.get("down_revision")


def _prune_script(text: str, tables: set[str], path: Path) -> tuple[str, bool]:
    module = ast.parse(text)
    lines = text.splitlines(keepends=True)
    drop: list[tuple[int, int]] = []
    emptied = False
    # Module-level `products = sa.table("products", ...)`: what op.execute(products.update()) names.
    tables_of = {
        target.id: table
        for node in module.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        if _call_name(node.value) == "table" and node.value.args
        if (table := _string(node.value.args[0])) is not None
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in module.body:
        if not isinstance(node, ast.FunctionDef) or node.name not in ("upgrade", "downgrade"):
            continue
        variables = dict(tables_of)
        kept = 0
        for statement in node.body:
            table = _statement_table(statement, variables)
            if table is None:
                if _names_any(statement, tables):
                    raise MigrationError(
                        f"{path.name}:{statement.lineno}: cannot tell which table this names"
                    )
                kept += 1
            elif table in tables:
                drop.append((statement.lineno, statement.end_lineno or statement.lineno))
            else:
                kept += 1
        if kept == 0 and node.name == "upgrade":
            emptied = True
    if emptied:
        return text, True
    for start, end in sorted(drop, reverse=True):
        del lines[start - 1 : end]
    return _drop_unused_imports("".join(lines)), False


def _statement_table(statement: ast.stmt, variables: dict[str, str]) -> str | None:
    """The table an `op.*` statement works on, or None if it is not one."""
    if isinstance(statement, ast.With):  # with op.batch_alter_table("products") as batch: ...
        for item in statement.items:
            call = item.context_expr
            if not isinstance(call, ast.Call) or not _is_op(call) or not call.args:
                continue
            if _call_name(call) == "batch_alter_table":
                return _string(call.args[0])
        return None
    value = statement.value if isinstance(statement, ast.Expr | ast.Assign) else None
    if not isinstance(value, ast.Call) or not _is_op(value):
        return None
    name = _call_name(value)
    table = None
    if name == "execute":  # op.execute(products.update()...): a table named by a variable
        named = [n.id for n in ast.walk(value) if isinstance(n, ast.Name) and n.id in variables]
        return variables[named[0]] if named else None
    if name in ("create_table", "drop_table", "bulk_insert") and value.args:
        table = _string(value.args[0]) or variables.get(_name(value.args[0]) or "")
    elif name in ("create_index", "create_unique_constraint", "create_foreign_key"):
        table = _string(value.args[1]) if len(value.args) > 1 else None
        table = table or _keyword(value, "table_name")
    elif name in ("drop_index", "drop_constraint"):
        table = _keyword(value, "table_name") or (
            _string(value.args[1]) if len(value.args) > 1 else None
        )
    if table is not None and isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                variables[target.id] = table
    return table


def _is_op(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and _name(func.value) == "op"


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _string(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _keyword(call: ast.Call, name: str) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return _string(keyword.value)
    return None


def _names_any(statement: ast.stmt, tables: set[str]) -> bool:
    return any(
        isinstance(node, ast.Constant) and node.value in tables for node in ast.walk(statement)
    )


def _drop_unused_imports(text: str) -> str:
    """Drop the top-level imports the removed statements alone used."""
    module = ast.parse(text)
    used = {node.id for node in ast.walk(module) if isinstance(node, ast.Name)}
    used |= {
        node.value.id
        for node in ast.walk(module)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }
    lines = text.splitlines(keepends=True)
    for node in reversed(module.body):
        if not isinstance(node, ast.Import | ast.ImportFrom) or (
            isinstance(node, ast.ImportFrom) and node.module == "__future__"
        ):
            continue
        names = [alias.asname or alias.name.split(".")[0] for alias in node.names]
        if any(name in used for name in names):
            continue
        start, end = node.lineno - 1, node.end_lineno or node.lineno
        if lines[start - 1 : start] == ["\n"] and lines[end : end + 1] == ["\n"]:
            end += 1  # an import group of its own: its blank line goes too
        del lines[start:end]
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m tools.contexts NAME...`: remove contexts from this tree, say what went."""
    parser = argparse.ArgumentParser(prog="python -m tools.contexts", description=main.__doc__)
    parser.add_argument("names", nargs="+", help="the contexts to remove, dependants first")
    root = Path()
    for name in parser.parse_args(argv).names:
        removal = remove_context(root, name)
        for path in [*removal.deleted, *removal.edited]:
            print(f"{name}: {'deleted' if path in removal.deleted else 'edited'} {path}")
    print(
        "Then the migration that drops their tables: "
        'portico db revision --autogenerate -m "remove <context>" (docs/architecture.md).'
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
