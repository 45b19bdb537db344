"""The Organisation aggregate: its rules and the events it records (scaffolded)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.system.ids import Uuid7Generator
from domain.organisations.events import OrganisationChanged, OrganisationCreated, OrganisationDeleted
from domain.organisations.organisation import Organisation
from domain.shared.errors import InvalidValue

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ids = Uuid7Generator()


def new_organisation(**changes: Any) -> Organisation:
    values: dict[str, Any] = {
        "name": "Sample",
    }
    return Organisation.create(id=ids.new_id(), now=T0, **{**values, **changes})


def test_create_starts_at_version_1_and_records_created() -> None:
    organisation = new_organisation()

    assert (organisation.version, organisation.persisted_version) == (1, 0)
    [event] = organisation.pull_events()
    assert isinstance(event, OrganisationCreated)
    assert event.aggregate_id == organisation.id


def test_a_change_moves_the_version_once_and_names_the_fields() -> None:
    organisation = new_organisation()
    organisation.mark_persisted()
    organisation.pull_events()

    organisation.change(now=T0 + timedelta(seconds=1), name="Changed")
    organisation.change(now=T0 + timedelta(seconds=2), name="Changed")

    assert (organisation.version, organisation.name) == (2, "Changed")
    [event] = organisation.pull_events()
    assert isinstance(event, OrganisationChanged)
    assert (event.version, event.fields) == (2, "name")


def test_a_change_to_the_same_values_records_nothing() -> None:
    organisation = new_organisation()
    organisation.pull_events()

    organisation.change(now=T0, name="Sample")

    assert organisation.pull_events() == []


def test_delete_records_deleted() -> None:
    organisation = new_organisation()
    organisation.pull_events()
    organisation.delete(now=T0)
    [event] = organisation.pull_events()
    assert isinstance(event, OrganisationDeleted)


@pytest.mark.parametrize(("field", "bad"), [("name", "   ")])
def test_each_rule_refuses_a_bad_value(field: str, bad: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        new_organisation(**{field: bad})
    assert refused.value.field == field
