"""Every file of a new context, rendered in memory: path (relative to the root) -> text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from entrypoints.cli.scaffold.fields import KINDS, Field
from entrypoints.cli.scaffold.kinds import CONSTANTS, FieldCode
from entrypoints.cli.scaffold.migrations import next_revision
from entrypoints.cli.scaffold.names import Names
from entrypoints.cli.scaffold.render import indent, render
from entrypoints.cli.scaffold.seeding import seed_arguments, seed_constants, seed_draws

# template -> path, with {c} the context and {p} its plural.
_FILES = {
    "domain_init.tmpl": "src/domain/{c}/__init__.py",
    "domain_aggregate.tmpl": "src/domain/{c}/{c}.py",
    "domain_events.tmpl": "src/domain/{c}/events.py",
    "domain_errors.tmpl": "src/domain/{c}/errors.py",
    "domain_repository.tmpl": "src/domain/{c}/repository.py",
    "app_init.tmpl": "src/application/{c}/__init__.py",
    "app_ports.tmpl": "src/application/{c}/ports.py",
    "app_events.tmpl": "src/application/{c}/{c}_events.py",
    "app_views.tmpl": "src/application/{c}/views.py",
    "app_loading.tmpl": "src/application/{c}/loading.py",
    "app_create.tmpl": "src/application/{c}/create_{c}.py",
    "app_update.tmpl": "src/application/{c}/update_{c}.py",
    "app_delete.tmpl": "src/application/{c}/delete_{c}.py",
    "app_get.tmpl": "src/application/{c}/get_{c}.py",
    "app_list.tmpl": "src/application/{c}/list_{p}.py",
    "adapters_init.tmpl": "src/adapters/{c}/__init__.py",
    "adapters_tables.tmpl": "src/adapters/{c}/tables.py",
    "adapters_memory.tmpl": "src/adapters/{c}/memory.py",
    "adapters_sql.tmpl": "src/adapters/{c}/sql.py",
    "entry_init.tmpl": "src/entrypoints/{c}/__init__.py",
    "entry_container.tmpl": "src/entrypoints/{c}/container.py",
    "entry_module.tmpl": "src/entrypoints/{c}/module.py",
    "entry_http_init.tmpl": "src/entrypoints/{c}/http/__init__.py",
    "entry_schemas.tmpl": "src/entrypoints/{c}/http/schemas.py",
    "entry_controller.tmpl": "src/entrypoints/{c}/http/controller.py",
    "entry_seed.tmpl": "src/entrypoints/{c}/seed.py",
    "empty.tmpl": "tests/{tier}/{c}/__init__.py",
    "test_unit.tmpl": "tests/unit/{c}/test_{c}.py",
    "test_application_conftest.tmpl": "tests/application/{c}/conftest.py",
    "test_application.tmpl": "tests/application/{c}/test_{c}_use_cases.py",
    "test_contract_conftest.tmpl": "tests/contract/{c}/conftest.py",
    "test_contract.tmpl": "tests/contract/{c}/test_{c}_unit_of_work.py",
    "test_api_conftest.tmpl": "tests/api/{c}/conftest.py",
    "test_api.tmpl": "tests/api/{c}/test_{p}.py",
    "test_unit_seed.tmpl": "tests/unit/{c}/test_{c}_seed.py",
    "test_api_seed.tmpl": "tests/api/{c}/test_{c}_seed.py",
}
_TIERS = ("unit", "application", "contract", "api")


def context_files(names: Names, fields: tuple[Field, ...], root: Path) -> dict[str, str]:
    values = _values(names, [FieldCode(field, names.aggregate) for field in fields])
    files: dict[str, str] = {}
    for template, pattern in _FILES.items():
        tiers = _TIERS if "{tier}" in pattern else ("",)
        for tier in tiers:
            path = pattern.format(c=names.context, p=names.plural, tier=tier)
            files[path] = render(template, values)
    revision, down = next_revision(root / "migrations" / "versions")
    values |= {
        "revision": revision,
        "down_revision": down or "",
        "down_repr": repr(down).replace("'", '"'),
        "today": datetime.now(UTC).date().isoformat(),
    }
    migration = f"migrations/versions/{revision}_{names.context}_{names.plural}.py"
    files[migration] = render("migration.tmpl", values)
    return files


def _values(names: Names, codes: list[FieldCode]) -> dict[str, str]:
    c = names.context
    first = codes[0]
    optional = [code for code in codes if code.field.optional]
    enums = [code.enum for code in codes if code.field.kind == "enum"]
    bad = [_bad_value(code) for code in codes if code.validated]
    rule_test = ""
    if bad:
        rule_test = render("test_unit_rules.tmpl", {"context": c, "bad_values": ", ".join(bad)})
    kinds = {code.field.kind for code in codes}
    has_money = "money" in kinds
    return {
        "context": c,
        "CONTEXT": c.upper(),
        "Agg": names.aggregate,
        "plural": names.plural,
        "Plural": names.camel_plural,
        "id": names.id,
        "url": names.url,
        "dashed": c.replace("_", "-"),
        "spaced": c.replace("_", " "),
        "permission": names.permission,
        "permission_value": f"{c}:write",
        "enum_imports": "".join(f", {enum}" for enum in enums),
        # domain
        "enums": "\n".join(line for code in codes for line in code.enum_lines()),
        "rules": "\n".join(line for code in codes for line in code.rule_lines()),
        "constants": "\n".join(dict.fromkeys(_constants(kinds))),
        "decimal_rule": render("decimal_rule.tmpl", {}) if "decimal" in kinds else "",
        "slots": ", ".join(f'"{n}"' for n in sorted(["created_at", "id", *_names(codes)])) + ",",
        "init_params": indent([f"{code.name}: {_maybe(code)}," for code in codes], 8),
        "init_body": indent([f"self.{code.name} = {code.name}" for code in codes], 8),
        "create_params": indent([f"{code.name}: {_maybe(code, code.given)}," for code in codes], 8),
        "create_values": indent([f"{code.name}={code.create_value()}," for code in codes], 12),
        "change_params": indent([f"{code.name}: {code.given} | None = None," for code in codes], 8),
        "change_body": indent([line for code in codes for line in _change(code)], 8),
        # application
        "view_fields": indent([f"{code.name}: {_maybe(code)}" for code in codes], 4),
        "view_values": indent([f"{code.name}={c}.{code.name}," for code in codes], 12),
        "create_fields": indent([ln for code in codes for ln in code.create_command_lines()], 4),
        "create_arguments": indent([f"{code.create_argument()}," for code in codes], 12),
        "update_fields": indent([ln for code in codes for ln in code.update_command_lines()], 4),
        "update_arguments": indent([f"{code.update_argument()}," for code in codes], 16),
        # adapters
        "columns": indent([line for code in codes for line in code.table_lines()], 4),
        "migration_columns": indent([ln for code in codes for ln in code.migration_lines()], 8),
        "copy_values": indent([f"{code.name}={c}.{code.name}," for code in codes], 8),
        "row_values": indent([line for code in codes for line in code.row_lines(c)], 8),
        "from_row": indent([f"{code.from_row()}," for code in codes], 8),
        # http
        "new_fields": indent([_schema_field(code) for code in codes], 4),
        "change_fields": indent(
            [
                f"{code.name}: {code.schema_in} | msgspec.UnsetType{_or_none(code)} = msgspec.UNSET"
                for code in codes
            ],
            4,
        ),
        "out_fields": indent([f"{code.name}: {code.schema_out}" for code in codes], 4),
        "out_values": indent([f"{code.out_value()}," for code in codes], 12),
        "http_create_arguments": indent(
            [ln for code in codes for ln in code.http_create_arguments()], 16
        ),
        "http_update_arguments": indent(
            [ln for code in codes for ln in code.http_update_arguments()], 16
        ),
        # seed
        "seed_constants": seed_constants(codes),
        "seed_draws": indent(seed_draws(codes), 8),
        "seed_arguments": indent(seed_arguments(codes), 16),
        "schema_helpers": render("schema_helpers.tmpl", {}) if "decimal" in kinds else "",
        "money_helpers": render("money_helpers.tmpl", {}).rstrip("\n") if has_money else "",
        # tests
        "first": first.name,
        "first_sample": first.sample(3),
        "first_changed": _changed_value(first),
        "first_update": _first_update(first),
        "first_json": first.sample(2),
        "first_json_out": _changed_json_out(first),
        "sample_kwargs": indent([f'"{code.name}": {code.sample(3)},' for code in codes], 8),
        "sample_command": indent([ln for code in codes for ln in _command_sample(code)], 8),
        "sample_json": indent([f'"{code.name}": {code.sample(0)},' for code in codes], 8),
        "expected_json": indent([f'"{code.name}": {code.sample(1)},' for code in codes], 4),
        "state_fields": indent([f"item.{code.name}," for code in codes], 8),
        "no_optionals": ", ".join(f'"{code.name}": None' for code in optional),
        "optional_names": ", ".join(f'"{code.name}"' for code in optional),
        "optional_tuple": "(" + "".join(f'"{code.name}", ' for code in optional).rstrip(" ") + ")",
        "clear_test": _clear_test(optional),
        "rule_test": rule_test,
    }


def _or_none(code: FieldCode) -> str:
    return " | None" if code.field.optional else ""


def _clear_test(optional: list[FieldCode]) -> str:
    if not optional:
        return ""
    return render("test_api_clear.tmpl", {"optional_first": optional[0].name}).rstrip("\n")


def _constants(kinds: set[str]) -> list[str]:
    return [line for kind in KINDS if kind in kinds for line in CONSTANTS.get(kind, ())]


def _names(codes: list[FieldCode]) -> list[str]:
    return [code.name for code in codes]


def _maybe(code: FieldCode, type_: str | None = None) -> str:
    type_ = type_ or code.stored
    return f"{type_} | None" if code.field.optional else type_


def _change(code: FieldCode) -> list[str]:
    n = code.name
    return [
        f"if {n} is not None and (new_{n} := {code.check(n)}) != self.{n}:",
        f"    self.{n} = new_{n}",
        f'    changed.append("{n}")',
    ]


def _schema_field(code: FieldCode) -> str:
    if code.field.optional:
        return f"{code.name}: {code.schema_in} | None = None"
    return f"{code.name}: {code.schema_in}"


_CHANGED_PY = {
    "str": '"Changed"',
    "text": '"Other text"',
    "int": "8",
    "decimal": 'Decimal("3.0000")',
    "money": 'Money.of("10.00", "USD")',
    "bool": "False",
    "date": "date(2026, 4, 2)",
    "datetime": "datetime(2026, 4, 2, 8, 30, tzinfo=UTC)",
    "uuid": 'UUID("7c1e9d2a-3b4f-4e6a-8d5c-2f1a0b9c8d7e")',
}
_BAD = {
    "str": '"   "',
    "text": '"x" * 10_001',
    "int": "2**31",
    "decimal": '"1.00001"',
    "datetime": "datetime(2026, 1, 1)",  # naive: the rule refuses it
}


def _changed_value(code: FieldCode) -> str:
    if code.field.kind == "enum":
        return f"{code.enum}.{code.field.values[-1].upper()}"
    return _CHANGED_PY[code.field.kind]


def _changed_json_out(code: FieldCode) -> str:
    return '"3.0000"' if code.field.kind == "decimal" else code.sample(2)


def _first_update(code: FieldCode) -> str:
    if code.field.kind == "money":
        return f'{code.name}_amount="10.00", {code.name}_currency="USD"'
    return f"{code.name}={_changed_value(code)}"


def _command_sample(code: FieldCode) -> list[str]:
    if code.field.kind == "money":
        return [f'{code.name}_amount="9.90",', f'{code.name}_currency="EUR",']
    return [f"{code.name}={code.sample(3)},"]


def _bad_value(code: FieldCode) -> str:
    return f'("{code.name}", {_BAD[code.field.kind]})'
