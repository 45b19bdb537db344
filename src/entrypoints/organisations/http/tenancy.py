"""The tenant context over HTTP: which organisation a request acts within (docs/tenancy.md).

A route that acts within an organisation asks for the `tenant` dependency (a Tenant value) and
hands it to its use case. With tenancy on, the caller names the organisation in the
X-Organisation-Id header on each request; it is checked against their membership (one key
lookup) and counted against the organisation's request budget. An unknown organisation, or one
the caller is not a member of, is 404 organisation-not-found: the header cannot be forged into
another tenant, nor used to learn which organisations exist. With tenancy off the header is
ignored and every request acts within Tenant.single().
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter

from application.organisations.enter_organisation import (
    Entered,
    EnterOrganisation,
    EnterOrganisationHandler,
)
from domain.shared.errors import InvalidValue
from domain.shared.tenant import Tenant
from entrypoints.http.dependencies import TENANT_HEADER
from entrypoints.http.openapi import DocumentedProvide, problem_responses
from entrypoints.http.security.authentication import principal
from entrypoints.http.security.rate_limits import TenantRateLimit
from entrypoints.organisations.http.controller import BEARER

HEADER = TENANT_HEADER
OrganisationHeader = Annotated[
    str | None,
    HeaderParameter(
        name=HEADER,
        required=False,
        description="The organisation this request acts within (with tenancy on, required)",
    ),
]


def tenant_dependencies(
    enter: EnterOrganisationHandler, limit: TenantRateLimit, *, enabled: bool
) -> dict[str, Provide]:
    """`membership` (an Entered: tenant and role) and `tenant`, resolved once per request."""

    async def membership(
        request: Request[Any, Any, Any], organisation: OrganisationHeader
    ) -> Entered:
        if not enabled:
            return Entered(Tenant.single(), None)
        if not organisation:
            raise InvalidValue(HEADER, "is required: the organisation this request acts within")
        try:
            organisation_id = UUID(organisation)
        except ValueError:
            raise InvalidValue(HEADER, "must be an organisation id (a UUID)") from None
        entered = await enter(EnterOrganisation(principal(request), organisation_id))
        await limit.count(entered.tenant)
        return entered

    async def tenant(membership: NamedDependency[Entered]) -> Tenant:
        return membership.tenant

    def single_tenant() -> Tenant:
        return Tenant.single()

    return {
        "membership": Provide(membership),
        # With tenancy off a route's tenant needs no membership: a synchronous dependency, which
        # Litestar resolves in line, rather than two awaited ones (bench/README.md, session 17).
        # It takes no header, which Litestar would parse on every request only to ignore it, yet
        # documents it: the OpenAPI document is the same with tenancy on or off.
        "tenant": Provide(tenant)
        if enabled
        else DocumentedProvide(
            single_tenant,
            {"organisation": OrganisationHeader},
            use_cache=True,
            sync_to_thread=False,
        ),
    }


class TenantOut(msgspec.Struct):
    organisation_id: UUID
    role: str | None  # null with tenancy off


class TenantController(Controller):
    path = "/api/v1/tenant"
    tags = ["organisations"]
    security = BEARER

    @get(
        operation_id="getTenant",
        summary="The organisation this request acts within",
        responses=problem_responses(401, 403, 404, 422, 429),
    )
    async def current(self, membership: NamedDependency[Entered]) -> TenantOut:
        """Which organisation X-Organisation-Id names and your role in it: a front end's check
        before it acts there (404 if you are not a member)."""
        role = membership.role.value if membership.role is not None else None
        return TenantOut(organisation_id=membership.tenant.organisation_id, role=role)
