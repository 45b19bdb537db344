"""The organisations context: organisations, their members' roles, and invitations by mail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from application.organisations.organisations_events import ORGANISATIONS_EVENTS
from entrypoints.module import HttpPart, Module

if TYPE_CHECKING:
    from entrypoints.module_container import ModuleContainer


def container() -> type[ModuleContainer]:
    from entrypoints.organisations.container import OrganisationsContainer

    return OrganisationsContainer


def http(root: Any) -> HttpPart:
    from entrypoints.http.security.rate_limits import TenantRateLimit
    from entrypoints.organisations.http.controller import OrganisationController
    from entrypoints.organisations.http.invitations import InvitationController
    from entrypoints.organisations.http.members import MemberController
    from entrypoints.organisations.http.tenancy import TenantController, tenant_dependencies

    tenancy = root.settings().tenancy
    # Counted where the sign-in limits are: in Redis when the cache is, else per process.
    limit = TenantRateLimit(
        root.identity.rate_limit_store(),
        per_minute=tenancy.requests_per_minute,
        clock=root.platform.clock(),
    )
    enter = root.organisations.enter_organisation()
    return HttpPart(
        route_handlers=[
            *(OrganisationController, MemberController, InvitationController, TenantController)
        ],
        dependencies=tenant_dependencies(enter, limit, enabled=tenancy.enabled),
    )


MODULE = Module(
    name="organisations",
    container=container,
    needs=("identity",),
    http=http,
    events=ORGANISATIONS_EVENTS,
    stores=("sql", "memory"),
)
