"""InvitationController: invite by email, list and revoke pending invitations, and answer one
(the token from the mail)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.organisations.accept_invitation import (
    AcceptInvitation,
    AcceptInvitationHandler,
)
from application.organisations.decline_invitation import (
    DeclineInvitation,
    DeclineInvitationHandler,
)
from application.organisations.invite_member import InviteMember, InviteMemberHandler
from application.organisations.list_invitations import ListInvitations, ListInvitationsHandler
from application.organisations.revoke_invitation import (
    RevokeInvitation,
    RevokeInvitationHandler,
)
from entrypoints.http.openapi import problem_responses
from entrypoints.http.schemas import Cursor
from entrypoints.http.security.authentication import principal
from entrypoints.organisations.http.controller import BEARER, AnyRequest, Limit, with_etag
from entrypoints.organisations.http.schemas import (
    InvitationAnswer,
    InvitationOut,
    InvitationPageOut,
    NewInvitation,
    OrganisationOut,
)


class InvitationController(Controller):
    path = "/api/v1/organisations"
    tags = ["organisations"]
    security = BEARER

    @post(
        "/{organisation_id:uuid}/invitations",
        operation_id="inviteOrganisationMember",
        summary="Invite someone by email",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def invite(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        data: JSONBody[NewInvitation],
        invite_member: NamedDependency[InviteMemberHandler],
    ) -> InvitationOut:
        """Owners and admins (only owners invite owners). The mail with its link follows."""
        view = await invite_member(
            InviteMember(
                requester=principal(request),
                organisation_id=organisation_id,
                email=data.email,
                role=data.role,
            )
        )
        return InvitationOut.of(view)

    @get(
        "/{organisation_id:uuid}/invitations",
        operation_id="listOrganisationInvitations",
        summary="List pending invitations",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def index(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        list_invitations: NamedDependency[ListInvitationsHandler],
        limit: FromQuery[Limit] = 20,
        cursor: FromQuery[Cursor] = None,
    ) -> InvitationPageOut:
        """Owners and admins: invitations not yet answered or revoked, oldest first."""
        page = await list_invitations(
            ListInvitations(
                requester=principal(request),
                organisation_id=organisation_id,
                limit=limit,
                cursor=cursor,
            )
        )
        return InvitationPageOut.of(page)

    @delete(
        "/{organisation_id:uuid}/invitations/{invitation_id:uuid}",
        operation_id="revokeOrganisationInvitation",
        summary="Revoke an invitation",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404),
    )
    async def revoke(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        invitation_id: FromPath[UUID],
        revoke_invitation: NamedDependency[RevokeInvitationHandler],
    ) -> None:
        """Owners and admins; its link stops working."""
        await revoke_invitation(
            RevokeInvitation(
                requester=principal(request),
                organisation_id=organisation_id,
                invitation_id=invitation_id,
            )
        )

    @post(
        "/invitations/accept",
        operation_id="acceptOrganisationInvitation",
        summary="Accept an invitation",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 409, 422),
    )
    async def accept(
        self,
        request: AnyRequest,
        data: JSONBody[InvitationAnswer],
        accept_invitation: NamedDependency[AcceptInvitationHandler],
    ) -> Response[OrganisationOut]:
        """You join with the invited role, if your verified email is the invited one; the
        token works once (422 invalid-invitation-token otherwise)."""
        view = await accept_invitation(
            AcceptInvitation(requester=principal(request), token=data.token)
        )
        return with_etag(view)

    @post(
        "/invitations/decline",
        operation_id="declineOrganisationInvitation",
        summary="Decline an invitation",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 422),
    )
    async def decline(
        self,
        request: AnyRequest,
        data: JSONBody[InvitationAnswer],
        decline_invitation: NamedDependency[DeclineInvitationHandler],
    ) -> None:
        """Same rule as accepting; the token is spent."""
        await decline_invitation(DeclineInvitation(requester=principal(request), token=data.token))
