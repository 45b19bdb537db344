"""Reads answered from the memory cache replay the response rendered for the cached value
(entrypoints/http/rendered.py): the same status, headers and body as the first answer, byte for
byte, and a write that returned is never answered with the old rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from entrypoints.catalog.http import controller
from entrypoints.catalog.http.controller import FIRST_PAGES_RENDERED, PRODUCTS_RENDERED
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.http.rendered import RenderedOnce
from entrypoints.http.responses import Response
from entrypoints.settings import CacheSettings, Settings
from tests.api.conftest import Client, create
from tests.support.auth import auth_headers

PER_REQUEST = {b"x-request-id"}


def raw(answer: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    headers = [(k.lower(), v) for k, v in answer.headers.raw if k.lower() not in PER_REQUEST]
    return answer.status_code, headers, answer.content


async def test_a_cached_product_is_answered_as_it_was_first_rendered(
    staff_client: Client, new_product: dict[str, Any]
) -> None:
    product = await create(staff_client, new_product)
    path = f"/api/v1/products/{product['id']}"
    before = len(PRODUCTS_RENDERED)

    first, second, third = [raw(await staff_client.get(path)) for _ in range(3)]

    assert first[0] == 200
    assert (b"etag", b'"1"') in first[1]
    assert second == first
    assert third == first
    assert len(PRODUCTS_RENDERED) == before + 1  # rendered once, then replayed


async def test_a_cached_first_page_is_answered_as_it_was_first_rendered(
    staff_client: Client, new_product: dict[str, Any]
) -> None:
    await create(staff_client, new_product)
    before = len(FIRST_PAGES_RENDERED)

    first, second = [raw(await staff_client.get("/api/v1/products")) for _ in range(2)]

    assert first[0] == 200
    assert second == first
    assert len(FIRST_PAGES_RENDERED) == before + 1


async def test_a_write_that_returned_is_read_not_the_old_rendering(
    staff_client: Client, new_product: dict[str, Any]
) -> None:
    product = await create(staff_client, new_product)
    path = f"/api/v1/products/{product['id']}"
    await staff_client.get(path)
    await staff_client.get("/api/v1/products")  # both rendered and cached

    changed = await staff_client.patch(path, json={"name": "Sencha"})
    read, page = await staff_client.get(path), await staff_client.get("/api/v1/products")

    assert changed.status_code == 200
    assert read.headers["etag"] == '"2"'
    assert read.json() == changed.json()
    assert read.json()["name"] == "Sencha"
    assert [item["name"] for item in page.json()["items"]] == ["Sencha"]


class Counting(RenderedOnce):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __call__(self, value: object, render: Callable[[], Response[Any]]) -> Response[Any]:
        self.calls += 1
        return super().__call__(value, render)


async def test_behind_no_cache_each_read_is_rendered_as_it_comes(
    settings: Settings, new_product: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PORTICO_CACHE=none: every value is a new object, so none is remembered to replay."""
    products, pages = Counting(), Counting()
    monkeypatch.setattr(controller, "PRODUCTS_RENDERED", products)
    monkeypatch.setattr(controller, "FIRST_PAGES_RENDERED", pages)
    container = build_container(msgspec.structs.replace(settings, cache=CacheSettings("none")))
    async with AsyncTestClient(create_app(container)) as client:
        client.headers.update(await auth_headers(container, "staff"))
        product = await create(client, new_product)
        path = f"/api/v1/products/{product['id']}"
        first, second = [raw(await client.get(path)) for _ in range(2)]
        page = await client.get("/api/v1/products")

    assert first[0] == 200
    assert (b"etag", b'"1"') in first[1]
    assert second == first
    assert [item["id"] for item in page.json()["items"]] == [product["id"]]
    assert (products.calls, pages.calls) == (0, 0)
