"""The AsyncAPI 3 document of the integration events: what other services may subscribe to.

Made from the contexts' event declarations (the same list the event registry is built from):
one channel per event type, at its NATS subject; one message per type and version, whose payload
is the envelope (adapters/messaging/envelope.py) with that type, version and declared payload
schema (the declaration's TypedDict, through msgspec). Subjects and streams are named by
NatsMessageBus itself, under the default namespace (PORTICO_NATS_NAMESPACE changes the prefix).
"""

from __future__ import annotations

from typing import Any

import msgspec

from adapters.messaging.envelope import Envelope
from adapters.messaging.nats import NatsMessageBus
from application.shared.event_declarations import EventDeclaration
from entrypoints.modules import load_modules
from entrypoints.settings import Settings

# The document's own version: each event is versioned by itself, and a breaking change to a
# payload is a new event version beside the old one. This moves when the naming of channels or
# the envelope does.
VERSION = "1.1.0"
_REF = "#/components/schemas/{name}"
_HEADERS = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {
            "type": "string",
            "format": "uuid",
            "description": "The envelope's id: JetStream drops a re-send inside its window",
        },
        "Portico-Organisation-Id": {
            "type": "string",
            "format": "uuid",
            "description": (
                "The envelope's organisation_id (the nil UUID: the single tenant); a message "
                "whose header and envelope disagree is dead-lettered"
            ),
        },
        "traceparent": {
            "type": "string",
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
            "description": "W3C trace context of the publishing span, when tracing is on",
        },
    },
    "required": ["Nats-Msg-Id"],
}


def _message_id(declaration: EventDeclaration[Any]) -> str:
    return f"{declaration.name}.v{declaration.version}"


def asyncapi_document() -> dict[str, Any]:
    settings = Settings()
    bus = NatsMessageBus(settings.bus.nats_url, namespace=settings.bus.nats_namespace)
    declared = [
        (events.context, declaration, declaration.schema)
        for module in load_modules()
        if (events := module.events) is not None
        for declaration in events
    ]
    if missing := [d.name for _, d, schema in declared if schema is None]:
        raise ValueError(f"no payload schema declared for {', '.join(missing)}")
    types = [Envelope, *(schema for _, _, schema in declared)]
    _, schemas = msgspec.json.schema_components(types, ref_template=_REF)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for context, declaration, schema in declared:
        name, message = declaration.name, _message_id(declaration)
        messages[message] = {
            "name": name,
            "title": f"{declaration.short_name} v{declaration.version}",
            "contentType": "application/json",
            "headers": {"$ref": _REF.format(name="NatsHeaders")},
            "correlationId": {"location": "$message.payload#/correlation_id"},
            "payload": {
                "allOf": [
                    {"$ref": _REF.format(name="Envelope")},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": name},
                            "version": {"const": declaration.version},
                            "payload": {"$ref": _REF.format(name=getattr(schema, "__name__", ""))},
                        },
                    },
                ]
            },
        }
        channels[name] = {
            "address": bus.subject(name),
            "description": f"On JetStream stream {bus.stream_name(context)}.",
            "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        }
        operations[f"publish.{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "messages": [{"$ref": f"#/channels/{name}/messages/{message}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Portico events",
            "version": VERSION,
            "description": (
                "The integration events other services may consume, on NATS JetStream. Each "
                "message is a JSON envelope; a payload may gain fields in the same version, "
                "and a breaking change is a new version (docs/api.md)."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {**schemas, "NatsHeaders": _HEADERS},
        },
    }
