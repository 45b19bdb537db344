"""How order events are stored: derived from their one declaration (order_events.py)."""

from __future__ import annotations

from application.ordering.order_events import ORDERING_EVENTS
from application.shared.event_codec import EventCodec

ORDER_EVENT_CODEC = EventCodec(ORDERING_EVENTS)
