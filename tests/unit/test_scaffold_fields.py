"""`portico scaffold`: field specs and names, parsed (or refused) before anything is rendered."""

from __future__ import annotations

import pytest

from entrypoints.cli.scaffold.errors import ScaffoldError
from entrypoints.cli.scaffold.fields import Field, parse_field, parse_fields
from entrypoints.cli.scaffold.names import Names, plural_of


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ("title:str", Field("title", "str")),
        ("notes:text?", Field("notes", "text", optional=True)),
        ("count:int", Field("count", "int")),
        ("weight:decimal", Field("weight", "decimal")),
        ("price:money", Field("price", "money")),
        ("fragile:bool", Field("fragile", "bool")),
        ("due:date?", Field("due", "date", optional=True)),
        ("sent_at:datetime", Field("sent_at", "datetime")),
        ("ref:uuid?", Field("ref", "uuid", optional=True)),
        ("state:enum(open|closed)", Field("state", "enum", values=("open", "closed"))),
        ("size:enum(s|m|l)?", Field("size", "enum", optional=True, values=("s", "m", "l"))),
    ],
)
def test_each_type_and_the_optional_mark_parse(spec: str, field: Field) -> None:
    assert parse_field(spec) == field


def test_money_takes_two_columns() -> None:
    assert parse_field("price:money").columns == ("price_amount", "price_currency")


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["title"], "is not NAME:TYPE"),
        (["title:string"], "unknown type 'string'"),
        (["class:str"], "is a Python keyword"),
        (["Title:str"], "must be lowercase"),
        (["version:int"], "is taken by every aggregate"),
        (["a:str", "a:int"], "is given twice"),
        (["price:money", "price_amount:decimal"], "is given twice"),
        (["state:enum(open)"], "two values or more"),
        (["state:enum(open|open)"], "given twice"),
        (["state:enum(Open|closed)"], "must be a lowercase name"),
        (["count:int(3)"], "only enum takes values"),
        ([], "at least one --field"),
    ],
)
def test_bad_fields_are_refused_with_one_clear_line(specs: list[str], message: str) -> None:
    with pytest.raises(ScaffoldError, match=message.replace("(", r"\(")) as refused:
        parse_fields(specs)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("word", "plural"),
    [("shipment", "shipments"), ("box", "boxes"), ("batch", "batches"), ("delivery", "deliveries")],
)
def test_plurals(word: str, plural: str) -> None:
    assert plural_of(word) == plural


def test_every_name_derives_from_the_context() -> None:
    names = Names("stock_item", "stock_items")
    assert (names.aggregate, names.camel_plural, names.id) == (
        "StockItem",
        "StockItems",
        "stock_item_id",
    )
    assert (names.url, names.permission) == ("/api/v1/stock-items", "STOCK_ITEM_WRITE")
