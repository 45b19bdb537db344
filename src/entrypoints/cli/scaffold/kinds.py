"""What each field type becomes in each layer: types, rules, columns, schemas and sample values."""

from __future__ import annotations

from dataclasses import dataclass

from entrypoints.cli.scaffold.fields import Field

STR_MAX = 200
TEXT_MAX = 10_000
_CONTROL_LINE = r'_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")'
# The module-level constants of the aggregate's module that a field type's rule uses.
CONSTANTS: dict[str, tuple[str, ...]] = {
    "str": (f"STR_MAX = {STR_MAX}", _CONTROL_LINE),
    "text": (f"TEXT_MAX = {TEXT_MAX:_}", _CONTROL_LINE),
    "int": (
        "# What a 32-bit INTEGER column holds on every SQL engine.",
        "INT_MIN, INT_MAX = -(2**31), 2**31 - 1",
    ),
}
# Python type in the domain (what the aggregate holds), by field type; enums are their own class.
_STORED = {
    "str": "str",
    "text": "str",
    "int": "int",
    "decimal": "Decimal",
    "money": "Money",
    "bool": "bool",
    "date": "date",
    "datetime": "datetime",
    "uuid": "UUID",
}
_COLUMN = {
    "str": f"String({STR_MAX})",
    "text": "Text()",
    "int": "Integer()",
    "decimal": "Numeric(18, 4)",
    "bool": "Boolean()",
    "date": "Date()",
    "datetime": "UtcDateTime()",
    "uuid": "Uuid()",
}
_MIGRATION = {
    "str": f"sa.String(length={STR_MAX})",
    "text": "sa.Text()",
    "int": "sa.Integer()",
    "decimal": "sa.Numeric(precision=18, scale=4)",
    "bool": "sa.Boolean()",
    "date": "sa.Date()",
    "datetime": "UtcDateTime()",
    "uuid": "sa.Uuid()",
}
_SCHEMA_IN = {
    # What the aggregate's rules accept, no more: a request the schema allows is never a 422
    # (the fuzz test's positive-data check). str: one line, tabs allowed, not blank.
    "str": f"Annotated[str, msgspec.Meta(pattern=LINE, max_length={STR_MAX})]",
    "text": f"Annotated[str, msgspec.Meta(pattern=TEXT, max_length={TEXT_MAX})]",
    "int": "Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]",
    "decimal": "Number",
    "money": "MoneyBody",
    "bool": "bool",
    "date": "date",
    "datetime": "datetime",
    "uuid": "UUID",
}
_SAMPLES: dict[str, tuple[str, str, str, str]] = {
    # kind: (JSON sent, JSON answered, JSON of a change, Python value)
    "str": ('"Sample"', '"Sample"', '"Changed"', '"Sample"'),
    "text": ('"Some text"', '"Some text"', '"Other text"', '"Some text"'),
    "int": ("7", "7", "8", "7"),
    "decimal": ('"12.5"', '"12.5000"', '"3"', 'Decimal("12.5000")'),
    "money": (
        '{"amount": "9.90", "currency": "EUR"}',
        '{"amount": "9.90", "currency": "EUR"}',
        '{"amount": "10.00", "currency": "USD"}',
        'Money.of("9.90", "EUR")',
    ),
    "bool": ("True", "True", "False", "True"),
    "date": ('"2026-03-01"', '"2026-03-01"', '"2026-04-02"', "date(2026, 3, 1)"),
    "datetime": (
        '"2026-03-01T12:00:00Z"',
        '"2026-03-01T12:00:00Z"',
        '"2026-04-02T08:30:00Z"',
        "datetime(2026, 3, 1, 12, tzinfo=UTC)",
    ),
    "uuid": (
        '"0b8f2f4e-5a52-4d8c-9a4f-1c2d3e4f5a6b"',
        '"0b8f2f4e-5a52-4d8c-9a4f-1c2d3e4f5a6b"',
        '"7c1e9d2a-3b4f-4e6a-8d5c-2f1a0b9c8d7e"',
        'UUID("0b8f2f4e-5a52-4d8c-9a4f-1c2d3e4f5a6b")',
    ),
}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _maybe(type_: str, optional: bool) -> str:
    return f"{type_} | None" if optional else type_


@dataclass(frozen=True, slots=True)
class FieldCode:
    """One field of aggregate `aggregate`, as each layer spells it."""

    field: Field
    aggregate: str

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def enum(self) -> str:
        return self.aggregate + _camel(self.name)

    # -- domain

    @property
    def stored(self) -> str:
        return self.enum if self.field.kind == "enum" else _STORED[self.field.kind]

    @property
    def given(self) -> str:
        """What create and change accept: a decimal may come as text."""
        return "Decimal | str" if self.field.kind == "decimal" else self.stored

    @property
    def validated(self) -> bool:
        return self.field.kind in ("str", "text", "int", "decimal", "datetime")

    def check(self, value: str) -> str:
        return f"valid_{self.name}({value})" if self.validated else value

    def create_value(self) -> str:
        if self.field.optional and self.validated:
            return f"None if {self.name} is None else {self.check(self.name)}"
        return self.check(self.name)

    def enum_lines(self) -> list[str]:
        if self.field.kind != "enum":
            return []
        members = [f'    {value.upper()} = "{value}"' for value in self.field.values]
        return ["", "", f"class {self.enum}(StrEnum):", *members]

    def rule_lines(self) -> list[str]:
        n, kind = self.name, self.field.kind
        head = ["", ""]
        if kind == "str":
            return [
                *head,
                f"def valid_{n}(raw: str) -> str:",
                f"    {n} = raw.strip()",
                f"    if not {n}:",
                f'        raise InvalidValue("{n}", "must not be empty")',
                f"    if len({n}) > STR_MAX:",
                f'        raise InvalidValue("{n}", f"must be at most {{STR_MAX}} characters")',
                f'    if _CONTROL.search({n}) or "\\n" in {n} or "\\r" in {n}:',
                f'        raise InvalidValue("{n}", "must be a single line of printable text")',
                f"    return {n}",
            ]
        if kind == "text":
            return [
                *head,
                f"def valid_{n}(raw: str) -> str:",
                f"    {n} = raw.strip()",
                f"    if len({n}) > TEXT_MAX:",
                f'        raise InvalidValue("{n}", f"must be at most {{TEXT_MAX}} characters")',
                f"    if _CONTROL.search({n}):",
                f'        raise InvalidValue("{n}", "must not contain control characters")',
                f"    return {n}",
            ]
        if kind == "int":
            return [
                *head,
                f"def valid_{n}(value: int) -> int:",
                "    if not INT_MIN <= value <= INT_MAX:",
                f'        raise InvalidValue("{n}", f"must be from {{INT_MIN}} to {{INT_MAX}}")',
                "    return value",
            ]
        if kind == "decimal":
            return [
                *head,
                f"def valid_{n}(raw: Decimal | str) -> Decimal:",
                f'    return valid_decimal(raw, "{n}")',
            ]
        if kind == "datetime":
            return [
                *head,
                f"def valid_{n}(value: datetime) -> datetime:",
                "    if value.tzinfo is None:",
                f'        raise InvalidValue("{n}", "must say its time zone")',
                "    return value.astimezone(UTC)",
            ]
        return []

    # -- application

    def create_command_lines(self) -> list[str]:
        opt = self.field.optional
        default = " = None" if opt else ""
        if self.field.kind == "money":
            return [
                f"{self.name}_amount: {_maybe('Decimal | str', opt)}{default}",
                f"{self.name}_currency: {_maybe('str', opt)}{default}",
            ]
        return [f"{self.name}: {_maybe(self.given, opt)}{default}"]

    def update_command_lines(self) -> list[str]:
        if self.field.kind == "money":
            return [
                f"{self.name}_amount: Decimal | str | None = None",
                f"{self.name}_currency: str | None = None",
            ]
        return [f"{self.name}: {self.given} | None = None"]

    def create_argument(self) -> str:
        n = self.name
        if self.field.kind != "money":
            return f"{n}=command.{n}"
        if self.field.optional:
            return f'{n}=optional_money(command.{n}_amount, command.{n}_currency, "{n}")'
        return f'{n}=Money.of(command.{n}_amount, command.{n}_currency, field="{n}")'

    def update_argument(self) -> str:
        n = self.name
        if self.field.kind == "money":
            return f'{n}=optional_money(command.{n}_amount, command.{n}_currency, "{n}")'
        return f"{n}=command.{n}"

    # -- adapters

    def table_lines(self) -> list[str]:
        null = "True" if self.field.optional else "False"
        if self.field.kind == "money":
            return [
                f'Column("{self.name}_amount", Numeric(12, 2), nullable={null}),',
                f'Column("{self.name}_currency", String(3), nullable={null}),',
            ]
        return [f'Column("{self.name}", {self.column_type()}, nullable={null}),']

    def column_type(self) -> str:
        if self.field.kind == "enum":
            return f"String({max(len(v) for v in self.field.values)})"
        return _COLUMN[self.field.kind]

    def migration_lines(self) -> list[str]:
        null = "True" if self.field.optional else "False"
        if self.field.kind == "money":
            return [
                f'sa.Column("{self.name}_amount", sa.Numeric(precision=12, scale=2), '
                f"nullable={null}),",
                f'sa.Column("{self.name}_currency", sa.String(length=3), nullable={null}),',
            ]
        if self.field.kind == "enum":
            length = max(len(v) for v in self.field.values)
            kind = f"sa.String(length={length})"
        else:
            kind = _MIGRATION[self.field.kind]
        return [f'sa.Column("{self.name}", {kind}, nullable={null}),']

    def row_lines(self, var: str) -> list[str]:
        n, value = self.name, f"{var}.{self.name}"
        some = f" if {value} is not None else None" if self.field.optional else ""
        if self.field.kind == "money":
            return [
                f'"{n}_amount": {value}.amount{some},',
                f'"{n}_currency": {value}.currency{some},',
            ]
        if self.field.kind == "enum":
            return [f'"{n}": {value}.value{some},']
        return [f'"{n}": {value},']

    def from_row(self) -> str:
        n = self.name
        if self.field.kind == "money":
            built = f'Money(row["{n}_amount"], row["{n}_currency"])'
        elif self.field.kind == "enum":
            built = f'{self.enum}(row["{n}"])'
        else:
            return f'{n}=row["{n}"]'
        if self.field.optional:
            return f'{n}=None if row["{self.field.columns[0]}"] is None else {built}'
        return f"{n}={built}"

    # -- http

    @property
    def schema_in(self) -> str:
        return self.enum if self.field.kind == "enum" else _SCHEMA_IN[self.field.kind]

    @property
    def schema_out(self) -> str:
        kind = self.field.kind
        out = "MoneyOut" if kind == "money" else "str" if kind == "decimal" else self.stored
        return _maybe(out, self.field.optional)

    def out_value(self) -> str:
        value = f"view.{self.name}"
        kind = self.field.kind
        if kind == "money":
            built = f"MoneyOut(str({value}.amount), {value}.currency)"
        elif kind == "decimal":
            built = f"str({value})"
        else:
            return f"{self.name}={value}"
        if self.field.optional:
            return f"{self.name}=None if {value} is None else {built}"
        return f"{self.name}={built}"

    def http_create_arguments(self) -> list[str]:
        n = self.name
        if self.field.kind != "money":
            return [f"{n}=data.{n},"]
        if self.field.optional:
            return [
                f"{n}_amount=data.{n}.amount if data.{n} else None,",
                f"{n}_currency=data.{n}.currency if data.{n} else None,",
            ]
        return [f"{n}_amount=data.{n}.amount,", f"{n}_currency=data.{n}.currency,"]

    def http_update_arguments(self) -> list[str]:
        n = self.name
        if self.field.kind != "money":
            return [f"{n}=_unset_to_none(data.{n}),"]
        return [f"{n}_amount=_amount(data.{n}),", f"{n}_currency=_currency(data.{n}),"]

    # -- samples for the generated tests

    def sample(self, which: int) -> str:
        if self.field.kind == "enum":
            values = self.field.values
            json = [f'"{values[0]}"', f'"{values[0]}"', f'"{values[-1]}"']
            return [*json, f"{self.enum}.{values[0].upper()}"][which]
        return _SAMPLES[self.field.kind][which]
