"""Every shape an event was ever stored in still loads: an old stream in a production database
(the event store) or an old row in the outbox is read by today's code. tests/golden/examples.py
says what the files are; `make golden` writes the missing ones."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from jsonschema import Draft202012Validator

from adapters.messaging.envelope import encode
from application.shared.event_codec import EventCodec
from application.shared.event_declarations import EventDeclaration
from application.shared.ports.event_store import RecordedEvent
from application.shared.ports.messaging import IntegrationEvent
from tests.golden.examples import GOLDEN, contexts, path_of, shapes

CONTEXTS = contexts()
CODEC = EventCodec(*CONTEXTS)
DECLARED = {d.event: (events.context, d) for events in CONTEXTS for d in events}
FILES = sorted(GOLDEN.rglob("*.json"))
ASYNCAPI = GOLDEN.parents[2] / "docs" / "api" / "asyncapi.json"  # [adapter:nats]


def _read(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _recorded(document: dict[str, Any]) -> RecordedEvent:
    return RecordedEvent(
        stream_id="golden",
        version=1,
        position=1,
        event_id=UUID(int=1),
        type=document["type"],
        schema_version=document["version"],
        payload=document["payload"],
        occurred_at=datetime.fromisoformat(document["occurred_at"]),
    )


def test_every_shape_an_event_is_stored_in_has_a_golden_file() -> None:
    missing = [
        path_of(events.context, name, version).relative_to(GOLDEN).as_posix()
        for events in CONTEXTS
        for declaration in events
        for name, version in shapes(declaration)
        if not path_of(events.context, name, version).is_file()
    ]
    assert not missing, f"no golden event for {', '.join(missing)}: run make golden"


# A project whose contexts publish no events has nothing to read back: the parametrised tests
# exist only when there is something to check (pytest would report an empty set as skipped).
if FILES:

    @pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(GOLDEN).as_posix())
    def test_a_stored_event_still_loads_as_the_event_it_was(path: Path) -> None:
        document = _read(path)
        event = CODEC.decode(_recorded(document))  # through the upcasters of a former shape
        context, declaration = DECLARED[type(event)]
        assert path == path_of(context, document["type"], document["version"]), "a misnamed file"
        assert str(event.aggregate_id) == document["aggregate_id"]

        # Each file of a declaration holds the same example in one of its shapes.
        current = _read(path_of(context, declaration.name, declaration.version))
        assert event == CODEC.decode(_recorded(current))
        # What a consumer of the current version reads is still published: a field may be added,
        # never removed or changed (that needs a new version).
        published = declaration.encode(event)
        kept = {key: published.get(key) for key in current["payload"]}
        assert kept == current["payload"], f"{declaration.name} v{declaration.version} changed"


def _name(value: object) -> str:
    return value.name if isinstance(value, EventDeclaration) else str(value)


# [adapter:nats begin]
def _published(document: dict[str, Any]) -> dict[str, Any]:
    """The event as the bus carries it: through the wire encoder, with every header field."""
    event = IntegrationEvent(
        id=UUID(int=1),
        type=document["type"],
        version=document["version"],
        occurred_at=datetime.fromisoformat(document["occurred_at"]),
        aggregate_id=UUID(document["aggregate_id"]),
        payload=document["payload"],
        correlation_id="request-1",
        causation_id="request-1",
        actor="user:example",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    published: dict[str, Any] = json.loads(encode(event))
    return published


def _message_schema(message: str) -> Draft202012Validator:
    # The committed document is the schema's root, so its "#/components/..." references resolve.
    document = json.loads(ASYNCAPI.read_text(encoding="utf-8"))
    return Draft202012Validator({**document, "$ref": f"#/components/messages/{message}/payload"})


if DECLARED:

    @pytest.mark.parametrize(("context", "declaration"), DECLARED.values(), ids=_name)
    def test_each_published_event_has_the_shape_the_asyncapi_document_gives_it(
        context: str, declaration: EventDeclaration[Any]
    ) -> None:
        message = f"{declaration.name}.v{declaration.version}"
        current = _read(path_of(context, declaration.name, declaration.version))
        errors = list(_message_schema(message).iter_errors(_published(current)))
        assert not errors, f"{message}: {errors[0].message} at {errors[0].json_path}"

        # And the schema checks what it is given: without one of its fields, the payload is refused.
        current["payload"].pop(sorted(current["payload"])[0])
        assert not _message_schema(message).is_valid(_published(current))


# [adapter:nats end]
