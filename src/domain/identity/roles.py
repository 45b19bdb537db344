"""Roles, permissions, and the one map from each role to what it may do."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from domain.shared.errors import InvalidValue


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    CUSTOMER = "customer"


class Permission(StrEnum):
    CATALOG_WRITE = "catalog:write"
    ORDERS_CREATE = "orders:create"
    ORDERS_READ_OWN = "orders:read:own"
    ORDERS_READ_ANY = "orders:read:any"
    # Ship any order, cancel or pay anyone's order (staff).
    ORDERS_MANAGE = "orders:manage"
    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"
    OPERATIONS_READ = "operations:read"
    # See and list every organisation, not only one's own (platform admins).
    ORGANISATIONS_MANAGE = "organisations:manage"


_CUSTOMER = frozenset({Permission.ORDERS_CREATE, Permission.ORDERS_READ_OWN})
_STAFF = _CUSTOMER | {
    Permission.CATALOG_WRITE,
    Permission.ORDERS_READ_ANY,
    Permission.ORDERS_MANAGE,
}

# The only place that says what a role may do. Tokens carry roles, never permissions, so a change
# here applies to every token at once.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CUSTOMER: _CUSTOMER,
    Role.STAFF: frozenset(_STAFF),
    Role.ADMIN: frozenset(Permission),
}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: frozenset[Permission] = frozenset()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return granted


def parse_roles(names: Iterable[str], *, field: str = "roles") -> frozenset[Role]:
    """Roles from their names; an unknown name is an InvalidValue of `field`."""
    roles: set[Role] = set()
    for name in names:
        try:
            roles.add(Role(name))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise InvalidValue(field, f"{name!r} is not a role; the roles are: {known}") from None
    return frozenset(roles)


def known_roles(names: Iterable[str]) -> frozenset[Role]:
    """The names that are roles of ours, ignoring the rest (roles from an external provider)."""
    return frozenset(Role(name) for name in names if name in _ROLE_NAMES)


_ROLE_NAMES = frozenset(role.value for role in Role)
