"""One more use case for a scaffolded context: its module, route, wiring and tests."""

from __future__ import annotations

from pathlib import Path

from entrypoints.cli.scaffold.errors import ScaffoldError
from entrypoints.cli.scaffold.fields import check_identifier
from entrypoints.cli.scaffold.names import Names, existing_contexts
from entrypoints.cli.scaffold.render import render

# The controller's methods and the route decorators a method of that name would hide; the
# container's providers, which a provider of that name would replace.
_TAKEN = frozenset(
    {"create", "list", "read", "update", "remove", "get", "post", "patch", "delete"}
    | {"platform", "uow", "units_of_work", "clock", "ids", "memory_store", "use_cases"}
    | {"consumers", "listeners", "projectors", "probes", "resources", "after_commit"}
)


def use_case_files(
    root: Path, context: str, name: str, kind: str
) -> tuple[dict[str, str], dict[str, str]]:
    """(new files, edited files) adding use case `name` (a command or a query) to `context`."""
    names = _scaffolded(root, context)
    check_identifier(name, "use case")
    if name in _TAKEN or name.startswith("_"):
        raise ScaffoldError(f"use case name {name!r} is taken by the wiring; choose another")
    camel = "".join(part.capitalize() for part in name.split("_"))
    values = {
        "context": context,
        "Agg": names.aggregate,
        "plural": names.plural,
        "id": names.id,
        "spaced": context.replace("_", " "),
        "name": name,
        "Name": camel,
        "Spaced_name": name.replace("_", " ").capitalize(),
        "dashed_name": name.replace("_", "-"),
        "operation": camel[0].lower() + camel[1:],
        **_kind_values(kind, names, name),
    }
    new = {
        f"src/application/{context}/{name}.py": render(f"uc_{kind}.tmpl", values),
        f"tests/application/{context}/test_{name}.py": render("uc_test_application.tmpl", values),
        f"tests/api/{context}/test_{name}.py": render("uc_test_api.tmpl", values),
    }
    wiring = f"src/entrypoints/{context}/container.py"
    controller = f"src/entrypoints/{context}/http/controller.py"
    edited = {
        wiring: _wire((root / wiring).read_text(), context, name, camel, kind),
        controller: _route((root / controller).read_text(), context, name, camel, kind, values),
    }
    return new, edited


def _scaffolded(root: Path, context: str) -> Names:
    if context not in existing_contexts(root):
        raise ScaffoldError(
            f"there is no context {context!r} (src/entrypoints/{context}/module.py)"
        )
    application = root / "src" / "application" / context
    lists = sorted(application.glob("list_*.py"))
    # What `scaffold context` names after the context (the catalog, say, has product.py).
    own = [
        application / f"{context}_events.py",
        root / "src" / "domain" / context / f"{context}.py",
    ]
    if len(lists) != 1 or not all(path.exists() for path in [*own, application / "loading.py"]):
        raise ScaffoldError(f"context {context!r} was not made by `portico scaffold context`")
    return Names(context, lists[0].stem.removeprefix("list_"))


def _kind_values(kind: str, names: Names, name: str) -> dict[str, str]:
    if kind == "command":
        return {
            "handler_built": f"{_camel(name)}Handler(uow, clock)",
            "first_arguments": f"{names.id}=created.id, expected_version=1",
            "id_arguments": f"{names.id}=uuid4()",
            "stale_check": (
                "    with pytest.raises(StaleVersion):\n"
                f"        await {name}({_camel(name)}({names.id}=created.id, expected_version=9))"
            ),
            "method": "post",
            "headers": ', headers={"If-Match": \'"1"\'}',
        }
    return {
        "handler_built": f"{_camel(name)}Handler(uow)",
        "first_arguments": f"{names.id}=created.id",
        "id_arguments": f"{names.id}=uuid4()",
        "stale_check": "",
        "method": "get",
        "headers": "",
    }


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _wire(text: str, context: str, name: str, camel: str, kind: str) -> str:
    """The use case's import, its name in `use_cases` and its provider (ruff sorts the import)."""
    marker = "    use_cases = (\n"
    start = text.find(marker)
    end = text.find("\n    )", start)
    if start < 0 or end < 0:
        raise ScaffoldError(f"src/entrypoints/{context}/container.py has no use_cases tuple")
    clock = ", clock=clock" if kind == "command" else ""
    text = text[:end] + f'\n        "{name}",' + text[end:]
    provider = f"    {name} = providers.Singleton({camel}Handler, uow=units_of_work{clock})\n"
    return _add_import(text, f"from application.{context}.{name} import {camel}Handler\n") + (
        provider
    )


def _route(
    text: str, context: str, name: str, camel: str, kind: str, values: dict[str, str]
) -> str:
    """The route, appended to the controller class (the last thing in its module)."""
    if "class " not in text or not text.endswith("\n"):
        raise ScaffoldError(f"src/entrypoints/{context}/http/controller.py is not as scaffolded")
    imports = f"{camel}, {camel}Handler"
    text = _add_import(text, f"from application.{context}.{name} import {imports}\n")
    return text + render(f"uc_route_{kind}.tmpl", values)


def _add_import(text: str, line: str) -> str:
    """Before the module's first `from application.` import; ruff puts it in order."""
    at = text.find("\nfrom application.")
    if at < 0:
        raise ScaffoldError("the module has no `from application.` import to add one beside")
    return text[: at + 1] + line + text[at + 1 :]
