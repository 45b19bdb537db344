"""OrganisationController: /api/v1/organisations. Parse, call one use case, map the result.

Who may do what inside an organisation is the organisation's rule (domain/organisations): a
caller who is not a member is told 404, so no organisation id leaks.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.organisations.create_organisation import (
    CreateOrganisation,
    CreateOrganisationHandler,
)
from application.organisations.delete_organisation import (
    DeleteOrganisation,
    DeleteOrganisationHandler,
)
from application.organisations.get_organisation import GetOrganisation, GetOrganisationHandler
from application.organisations.list_organisations import (
    ListOrganisations,
    ListOrganisationsHandler,
)
from application.organisations.rename_organisation import (
    RenameOrganisation,
    RenameOrganisationHandler,
)
from application.organisations.views import OrganisationView
from application.shared.pagination import MAX_PAGE_SIZE
from entrypoints.http.openapi import problem_responses
from entrypoints.http.preconditions import IfMatch, etag, expected_version
from entrypoints.http.responses import Response
from entrypoints.http.schemas import Cursor
from entrypoints.http.security.authentication import principal
from entrypoints.organisations.http.schemas import (
    NewOrganisation,
    OrganisationChanges,
    OrganisationOut,
    OrganisationPageOut,
)

AnyRequest = Request[Any, Any, Any]
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
Limit = Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)]


def with_etag(view: OrganisationView, status_code: int = 200) -> Response[OrganisationOut]:
    return Response(
        OrganisationOut.of(view), status_code=status_code, headers={"ETag": etag(view.version)}
    )


# Its methods are not named get, post, patch or delete: inside the class body such a name would
# hide the route decorator of a route added below it.
class OrganisationController(Controller):
    path = "/api/v1/organisations"
    tags = ["organisations"]
    security = BEARER

    @post(
        operation_id="createOrganisation",
        summary="Create an organisation",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(401, 403, 422),
    )
    async def create(
        self,
        request: AnyRequest,
        data: JSONBody[NewOrganisation],
        create_organisation: NamedDependency[CreateOrganisationHandler],
    ) -> Response[OrganisationOut]:
        """A new organisation; you become its owner."""
        view = await create_organisation(
            CreateOrganisation(requester=principal(request), name=data.name)
        )
        response = with_etag(view, HTTP_201_CREATED)
        response.headers["Location"] = f"{self.path}/{view.id}"
        return response

    @get(
        operation_id="listOrganisations",
        summary="List my organisations",
        responses=problem_responses(401, 403, 422),
    )
    async def index(
        self,
        request: AnyRequest,
        list_organisations: NamedDependency[ListOrganisationsHandler],
        every: Annotated[
            bool,
            QueryParameter(
                name="all", description="Every organisation, not only yours (organisations:manage)"
            ),
        ] = False,
        limit: FromQuery[Limit] = 20,
        cursor: FromQuery[Cursor] = None,
    ) -> OrganisationPageOut:
        """The organisations you belong to, oldest first; pass `next_cursor` back as `cursor`."""
        page = await list_organisations(
            ListOrganisations(requester=principal(request), every=every, limit=limit, cursor=cursor)
        )
        return OrganisationPageOut.of(page)

    @get(
        "/{organisation_id:uuid}",
        operation_id="getOrganisation",
        summary="Get an organisation",
        responses=problem_responses(401, 404),
    )
    async def read(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        get_organisation: NamedDependency[GetOrganisationHandler],
    ) -> Response[OrganisationOut]:
        """One organisation you belong to, with its version as ETag."""
        return with_etag(
            await get_organisation(GetOrganisation(principal(request), organisation_id))
        )

    @patch(
        "/{organisation_id:uuid}",
        operation_id="renameOrganisation",
        summary="Rename an organisation",
        responses=problem_responses(401, 403, 404, 409, 412, 422),
    )
    async def rename(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        data: JSONBody[OrganisationChanges],
        rename_organisation: NamedDependency[RenameOrganisationHandler],
        if_match: IfMatch = None,
    ) -> Response[OrganisationOut]:
        """Owners and admins. Send If-Match to refuse changing a newer version (412)."""
        view = await rename_organisation(
            RenameOrganisation(
                requester=principal(request),
                organisation_id=organisation_id,
                name=data.name,
                expected_version=expected_version(if_match),
            )
        )
        return with_etag(view)

    @delete(
        "/{organisation_id:uuid}",
        operation_id="deleteOrganisation",
        summary="Delete an organisation",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404, 409, 412),
    )
    async def remove(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        delete_organisation: NamedDependency[DeleteOrganisationHandler],
        if_match: IfMatch = None,
    ) -> None:
        """Owners only; its members and invitations go with it."""
        await delete_organisation(
            DeleteOrganisation(
                requester=principal(request),
                organisation_id=organisation_id,
                expected_version=expected_version(if_match),
            )
        )
