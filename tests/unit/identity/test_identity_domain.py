"""Identity's domain rules: roles and permissions, email, password policy, the User aggregate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.identity.email import normalize_email
from domain.identity.events import (
    EmailChanged,
    EmailVerificationRequested,
    UserAccessChanged,
    UserRegistered,
)
from domain.identity.password_policy import PASSWORD_MIN, check_password
from domain.identity.principal import Principal
from domain.identity.roles import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    known_roles,
    parse_roles,
    permissions_of,
)
from domain.identity.session import USER_AGENT_MAX, device_label, trimmed_user_agent
from domain.identity.user import User
from domain.shared.errors import InvalidValue

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ID = UUID(int=42)


def test_every_role_has_an_entry_and_admins_can_do_everything() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert permissions_of([Role.ADMIN]) == frozenset(Permission)


def test_catalog_write_is_for_staff_and_admins_only() -> None:
    assert Permission.CATALOG_WRITE in permissions_of([Role.STAFF])
    assert Permission.CATALOG_WRITE in permissions_of([Role.ADMIN])
    assert Permission.CATALOG_WRITE not in permissions_of([Role.CUSTOMER])
    assert Permission.USERS_MANAGE not in permissions_of([Role.STAFF, Role.CUSTOMER])


@given(st.sets(st.sampled_from(list(Role))))
def test_more_roles_never_means_fewer_permissions(roles: set[Role]) -> None:
    for role in roles:
        assert permissions_of([role]) <= permissions_of(roles)


def test_role_names_parse_strictly_or_leniently() -> None:
    assert parse_roles(["staff", "admin"]) == {Role.STAFF, Role.ADMIN}
    with pytest.raises(InvalidValue) as caught:
        parse_roles(["staff", "root"])
    assert caught.value.field == "roles"
    assert known_roles(["staff", "root", "Admin"]) == {Role.STAFF}


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("Ada@Example.COM", "ada@example.com"), ("  bob@example.org\t", "bob@example.org")],
)
def test_emails_are_trimmed_and_lower_cased(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "a b@example.com",
        "a@b@example.com",
        "ada@example.com\r\nBcc: x@example.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
    ],
)
def test_what_cannot_be_a_mailbox_is_refused(raw: str) -> None:
    with pytest.raises(InvalidValue):
        normalize_email(raw)


def test_the_password_policy() -> None:
    check_password("a perfectly fine passphrase", email="ada@example.com")
    for bad, why in (
        ("x" * (PASSWORD_MIN - 1), "at least"),
        ("x" * 300, "at most"),
        ("ADA@example.com", "email"),
        ("PassWord1234", "common"),
    ):
        with pytest.raises(InvalidValue, match=why) as caught:
            check_password(bad, email="ada@example.com")
        assert caught.value.field == "password"
    with pytest.raises(InvalidValue, match="email"):
        check_password("AdaLovelace1815", email="adalovelace1815@example.com")


def new_user() -> User:
    return User.register(
        id=ID, email="ada@example.com", password_hash="h", roles=frozenset({Role.CUSTOMER}), now=T0
    )


def test_registering_records_the_fact() -> None:
    user = new_user()
    (event,) = user.pull_events()
    assert isinstance(event, UserRegistered)
    assert (event.email, event.roles) == ("ada@example.com", ("customer",))
    assert (user.access_version, user.active, user.version) == (1, True, 1)


def test_a_new_address_is_unverified_and_the_previous_one_is_told() -> None:
    user = new_user()
    user.verify_email(T0)
    user.pull_events()
    user.change_email("ada.lovelace@example.com", T0 + timedelta(minutes=1))
    changed, verification = user.pull_events()
    assert isinstance(changed, EmailChanged)
    assert changed.previous_email == "ada@example.com"
    assert isinstance(verification, EmailVerificationRequested)
    assert (user.email, user.email_verified) == ("ada.lovelace@example.com", False)
    with pytest.raises(InvalidValue) as same:
        user.change_email("ada.lovelace@example.com", T0)
    assert same.value.field == "new_email"


def test_a_user_needs_a_role() -> None:
    with pytest.raises(InvalidValue):
        User.register(id=ID, email="a@example.com", password_hash="h", roles=frozenset(), now=T0)
    user = new_user()
    with pytest.raises(InvalidValue):
        user.change_access(now=T0, roles=frozenset())


def test_access_changes_move_the_access_version_on_once_each() -> None:
    user = new_user()
    user.mark_persisted()
    user.pull_events()
    later = T0 + timedelta(minutes=1)

    assert user.change_access(now=later, roles=frozenset({Role.STAFF}), active=False) is True
    assert user.change_access(now=later, roles=frozenset({Role.STAFF}), active=False) is False
    user.change_password(password_hash="h2", now=later)

    assert user.access_version == 3
    assert user.access_changed_at == later
    assert user.version == 2  # one unit of work: the version moves on once
    reasons = [e.reason for e in user.pull_events() if isinstance(e, UserAccessChanged)]
    assert reasons == ["roles, deactivated", "password"]


def test_a_rehash_keeps_tokens_valid() -> None:
    user = new_user()
    user.rehash_password(password_hash="stronger", now=T0 + timedelta(seconds=1))
    assert (user.password_hash, user.access_version) == ("stronger", 1)


def principal(subject: str, *roles: Role) -> Principal:
    return Principal(
        subject=subject, roles=frozenset(roles), token_id="t", expires_at=T0, access_version=1
    )


def test_the_ownership_rule() -> None:
    owner = UUID(int=1)
    assert principal(str(owner), Role.CUSTOMER).may_see(
        owner, any_permission=Permission.USERS_MANAGE
    )
    assert not principal(str(UUID(int=2)), Role.CUSTOMER).may_see(
        owner, any_permission=Permission.USERS_MANAGE
    )
    assert principal("x", Role.ADMIN).may_see(owner, any_permission=Permission.USERS_MANAGE)
    assert principal(str(owner)).user_id == owner
    assert principal("external|123").user_id is None


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/605.1",
            "Safari on iOS",
        ),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36 Edg/120.0", "Edge on Windows"),
        ("curl/8.5.0", "curl"),
        ("", "Unknown device"),
        ("\x00\x1b[31m evil \n", "Unknown device"),
    ],
)
def test_a_session_names_its_device_from_the_user_agent(agent: str, label: str) -> None:
    kept = trimmed_user_agent(agent)
    assert not any(ord(c) < 32 for c in kept)
    assert kept == kept.strip()
    assert device_label(kept) == label


def test_a_long_user_agent_is_cut() -> None:
    assert len(trimmed_user_agent("x" * 5000)) == USER_AGENT_MAX


def test_changing_ones_own_password_keeps_the_access_version() -> None:
    """The session that changed it goes on; the use case ends the others one by one."""
    user = new_user()
    user.mark_persisted()
    user.pull_events()

    user.change_own_password(password_hash="h2", now=T0 + timedelta(minutes=1))

    assert (user.password_hash, user.access_version, user.version) == ("h2", 1, 2)
    assert user.pull_events() == []
