"""An invitation: answered once, by the invited address, before it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.system.ids import Uuid7Generator
from domain.organisations.errors import InvalidInvitationToken
from domain.organisations.events import InvitationAccepted, MemberInvited
from domain.organisations.invitation import (
    INVITATION_LIFETIME,
    Invitation,
    InvitationStatus,
)
from domain.organisations.organisation import MemberRole
from domain.shared.errors import InvalidValue

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ids = Uuid7Generator()


def invitation(email: str = "Grace@Example.com ") -> Invitation:
    made = Invitation.create(
        id=ids.new_id(),
        organisation_id=ids.new_id(),
        email=email,
        role=MemberRole.ADMIN,
        invited_by=ids.new_id(),
        now=T0,
    )
    made.issue(digest="d" * 64, now=T0)
    return made


def test_the_address_is_trimmed_and_stays_out_of_the_event() -> None:
    made = invitation()
    [event] = made.pull_events()

    assert made.email == "Grace@Example.com"
    assert made.expires_at == T0 + INVITATION_LIFETIME
    assert isinstance(event, MemberInvited)
    assert event.aggregate_id == made.organisation_id
    assert event.invitation_id == made.id
    assert "Grace" not in repr(event)


def test_the_address_is_compared_without_regard_to_case() -> None:
    made = invitation()
    made.accept(user_id=ids.new_id(), email="grace@example.com", now=T0)
    assert made.status is InvitationStatus.ACCEPTED


@pytest.mark.parametrize("email", ["grace", "@example.com", "grace@localhost", "a b@example.com"])
def test_a_bad_address_names_the_field(email: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        invitation(email)
    assert caught.value.field == "email"


def test_accepting_spends_the_token() -> None:
    made = invitation()
    user = ids.new_id()

    made.accept(user_id=user, email="grace@example.com", now=T0)

    assert made.status is InvitationStatus.ACCEPTED
    assert made.digest is None
    assert isinstance(made.pull_events()[-1], InvitationAccepted)
    with pytest.raises(InvalidInvitationToken):
        made.decline(user_id=user, email="grace@example.com", now=T0)


@pytest.mark.parametrize(
    ("email", "at"),
    [
        ("someone@example.com", T0),  # another address
        (None, T0),  # an address not verified
        ("grace@example.com", T0 + INVITATION_LIFETIME),  # expired
    ],
)
def test_it_is_refused_for_another_address_unverified_or_late(
    email: str | None, at: datetime
) -> None:
    made = invitation()
    with pytest.raises(InvalidInvitationToken):
        made.accept(user_id=ids.new_id(), email=email, now=at)
    assert made.status is InvitationStatus.PENDING


def test_a_revoked_invitation_cannot_be_answered_or_revoked_again() -> None:
    made = invitation()
    made.revoke(by=ids.new_id(), now=T0 + timedelta(minutes=1))

    with pytest.raises(InvalidInvitationToken):
        made.accept(user_id=ids.new_id(), email="grace@example.com", now=T0)
    with pytest.raises(InvalidValue):
        made.revoke(by=ids.new_id(), now=T0)
