"""Field specs (`name:type`, `name:type?` for optional) parsed into Fields."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from entrypoints.cli.scaffold.errors import ScaffoldError

KINDS = ("str", "text", "int", "decimal", "money", "bool", "date", "datetime", "uuid", "enum")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SPEC = re.compile(r"(?P<name>[^:]+):(?P<kind>[a-z]+)(?:\((?P<values>[^)]*)\))?(?P<optional>\?)?")
# Names the aggregate, its rows or its handlers already use.
RESERVED = frozenset(
    {"id", "version", "created_at", "updated_at", "now", "create", "change", "delete", "record"}
    | {"mark_persisted", "persisted_version", "expected_version", "events", "pull_events"}
)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str
    optional: bool = False
    values: tuple[str, ...] = ()  # an enum's values

    @property
    def columns(self) -> tuple[str, ...]:
        """The SQL columns (and row keys) the field takes."""
        if self.kind == "money":
            return (f"{self.name}_amount", f"{self.name}_currency")
        return (self.name,)


def parse_field(spec: str) -> Field:
    match = _SPEC.fullmatch(spec.strip())
    if match is None:
        raise ScaffoldError(
            f"field {spec!r} is not NAME:TYPE (for example title:str, due:date?, "
            "state:enum(open|closed))"
        )
    name, kind = match["name"], match["kind"]
    check_identifier(name, "field")
    if name in RESERVED:
        raise ScaffoldError(f"field name {name!r} is taken by every aggregate; choose another")
    if kind not in KINDS:
        raise ScaffoldError(f"field {name!r} has unknown type {kind!r}; known: {', '.join(KINDS)}")
    values: tuple[str, ...] = ()
    if kind == "enum":
        values = _enum_values(name, match["values"])
    elif match["values"] is not None:
        raise ScaffoldError(f"field {name!r}: only enum takes values in parentheses")
    return Field(name, kind, optional=match["optional"] is not None, values=values)


def parse_fields(specs: list[str]) -> tuple[Field, ...]:
    if not specs:
        raise ScaffoldError("give at least one --field NAME:TYPE")
    fields = tuple(parse_field(spec) for spec in specs)
    seen: set[str] = set()
    for field in fields:
        for column in (field.name, *field.columns):
            if column in seen:
                raise ScaffoldError(f"field {field.name!r} is given twice (or clashes: {column})")
        seen.update({field.name, *field.columns})
    return fields


def check_identifier(name: str, what: str) -> None:
    if not _NAME.fullmatch(name):
        raise ScaffoldError(
            f"{what} name {name!r} must be lowercase letters, digits and underscores, "
            "starting with a letter"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(f"{what} name {name!r} is a Python keyword")


def _enum_values(name: str, raw: str | None) -> tuple[str, ...]:
    values = tuple(v.strip() for v in (raw or "").split("|") if v.strip())
    if len(values) < 2:
        raise ScaffoldError(f"field {name!r}: enum needs two values or more: enum(open|closed)")
    for value in values:
        if not _NAME.fullmatch(value):
            raise ScaffoldError(f"field {name!r}: enum value {value!r} must be a lowercase name")
    if len(set(values)) != len(values):
        raise ScaffoldError(f"field {name!r}: an enum value is given twice")
    return values
