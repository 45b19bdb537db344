"""Who a caller is as a customer, and whose orders they may act on: ordering's access rule.

Customers see and change their own orders; staff (ORDERS_READ_ANY to read, ORDERS_MANAGE to
change) act on anybody's. Commands and queries carry the result: a customer id to restrict to,
or None for anybody.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.identity.principal import Principal
from domain.identity.roles import Permission

# Subjects from an external provider are not our user ids: they map to a stable UUID.
_EXTERNAL_SUBJECTS = uuid5(NAMESPACE_URL, "urn:portico:subject")


def customer_of(caller: Principal) -> UUID:
    """The customer this caller is: our user id, or a stable id for an external subject."""
    return caller.user_id or uuid5(_EXTERNAL_SUBJECTS, caller.subject)


def reading_for(caller: Principal) -> UUID | None:
    """Whose orders the caller may read: None for anybody's, else their own."""
    return None if caller.can(Permission.ORDERS_READ_ANY) else customer_of(caller)


def managing_for(caller: Principal) -> UUID | None:
    """Whose orders the caller may pay or cancel: None for anybody's, else their own."""
    return None if caller.can(Permission.ORDERS_MANAGE) else customer_of(caller)
