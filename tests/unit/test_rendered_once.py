"""RenderedOnce: a value object's response is rendered once and replayed byte for byte; another
object (even an equal one) is rendered anew, and an entry goes when its value does."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Response, get
from litestar.testing import AsyncTestClient

from entrypoints.http.rendered import RenderedOnce


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Value:
    name: str


class Counted:
    def __init__(self) -> None:
        self.renders = 0

    def __call__(self, value: Value) -> Response[Any]:
        self.renders += 1
        return Response({"name": value.name}, headers={"ETag": f'"{value.name}"'})


def test_a_value_object_is_rendered_once_and_an_equal_other_object_again() -> None:
    rendered, render = RenderedOnce(), Counted()
    first = Value("a")

    one, two = rendered(first, lambda: render(first)), rendered(first, lambda: render(first))
    other = Value("a")
    three = rendered(other, lambda: render(other))

    assert one is two
    assert three is not one
    assert render.renders == 2


def test_an_entry_is_forgotten_with_its_value() -> None:
    rendered = RenderedOnce()
    value = Value("a")
    rendered(value, lambda: Response({"name": "a"}))
    assert len(rendered) == 1

    del value
    gc.collect()

    assert len(rendered) == 0


async def test_the_replay_is_the_first_answer_byte_for_byte() -> None:
    rendered, render = RenderedOnce(), Counted()
    value = Value("tea")

    @get("/plain", sync_to_thread=False)
    def plain() -> Response[Any]:
        return render(value)

    @get("/once", sync_to_thread=False)
    def once() -> Response[Any]:
        return rendered(value, lambda: render(value))

    async with AsyncTestClient(Litestar([plain, once])) as client:
        answers = [await client.get(path) for path in ("/plain", "/once", "/once", "/once")]

    assert render.renders == 2  # /plain once, /once once: replayed twice
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers.raw == answers[0].headers.raw
        assert answer.content == answers[0].content == b'{"name":"tea"}'
