"""The organisations context's events, declared once: every class of
domain/organisations/events.py, published as `organisations.<Name>`.

They are plain (application/shared/plain_events.py): declare one by hand here when its payload
needs richer fields, and version it once others consume it.
"""

from __future__ import annotations

from application.shared.plain_events import declared_in
from domain.organisations import events

ORGANISATIONS_EVENTS = declared_in("organisations", events, id_key="organisation_id")
