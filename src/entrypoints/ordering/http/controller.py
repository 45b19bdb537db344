"""OrderController: /api/v1/orders. Parse, call one use case, map the result; nothing more.

Whose orders a caller may act on is ordering's rule (application/ordering/customers.py): staff
pass no customer id, everyone else acts as themselves, so the use case answers 404 for someone
else's order and no order id leaks. Every route acts within the request's organisation
(`tenant`): another organisation's order is not found either, staff's included.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from application.ordering.cancel_order import CancelOrder, CancelOrderHandler
from application.ordering.customers import customer_of, managing_for, reading_for
from application.ordering.get_order import GetOrder, GetOrderHandler
from application.ordering.list_orders import ListOrders, ListOrdersHandler
from application.ordering.order_history import (
    GetOrderAsOf,
    GetOrderAsOfHandler,
    GetOrderHistory,
    GetOrderHistoryHandler,
)
from application.ordering.pay_order import PayOrder, PayOrderHandler
from application.ordering.place_order import LineRequest, PlaceOrder
from application.ordering.results import OrderChanged
from application.ordering.ship_order import ShipOrder
from application.shared.idempotency import Idempotent
from application.shared.pagination import MAX_PAGE_SIZE
from application.shared.retry import RetriedOnConflict
from domain.identity.roles import Permission
from domain.ordering.order import OrderStatus
from domain.shared.tenant import Tenant
from entrypoints.http.errors import problem
from entrypoints.http.openapi import DocumentedProvide, problem_responses
from entrypoints.http.responses import Response
from entrypoints.http.schemas import DATE_TIME, Cursor, timestamp
from entrypoints.http.security.authentication import principal
from entrypoints.http.security.permissions import requires
from entrypoints.ordering.http.schemas import (
    Cancellation,
    HistoryEntryOut,
    HistoryOut,
    NewOrder,
    OrderChangedOut,
    OrderOut,
    OrderPageOut,
    Payment,
    PaymentOut,
)

AnyRequest = Request[Any, Any, Any]
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        description=(
            "Any unique string of yours (a UUID): a retry with the same key and body answers "
            "the first result and places no second order; the same key with another body is 422."
        ),
    ),
]
_IDEMPOTENCY_KEY = b"idempotency-key"


def idempotency_key_of(request: AnyRequest) -> str | None:
    """The request's Idempotency-Key, found in the scope's raw headers: as a handler parameter,
    Litestar would build the request's `Headers` (every header decoded into a multidict) and run
    a header extractor and a signature model on every order, key or not (bench/README.md,
    "Session 19: the order request's own CPU")."""
    for name, value in request.scope["headers"]:
        if name.lower() == _IDEMPOTENCY_KEY:
            return value.decode("latin-1")  # as Litestar decodes a header
    return None


# Documented where the handler parameter was (entrypoints/http/openapi.py `complete`).
IDEMPOTENCY_KEY = DocumentedProvide(
    idempotency_key_of, {"idempotency_key": IdempotencyKey}, sync_to_thread=False
)
MinVersion = Annotated[
    int | None,
    Parameter(
        ge=1,
        description="The version a command answered: wait briefly until the order shows it "
        "(409 projection-behind if it does not in time).",
    ),
]
AsOf = Annotated[
    str | None,
    Parameter(
        description="An RFC 3339 instant with its offset: the order as it was then, rebuilt "
        "from its events.",
        schema_extra=DATE_TIME,
    ),
]


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["ordering"]
    security = BEARER

    @post(
        operation_id="placeOrder",
        summary="Place an order",
        status_code=HTTP_201_CREATED,
        opt=requires(Permission.ORDERS_CREATE),
        responses=problem_responses(409),
        dependencies={"idempotency_key": IDEMPOTENCY_KEY},
    )
    async def place(
        self,
        request: AnyRequest,
        data: JSONBody[NewOrder],
        place_order: NamedDependency[Idempotent[PlaceOrder, OrderChanged]],
        tenant: NamedDependency[Tenant],
        idempotency_key: NamedDependency[str | None],
    ) -> Response[OrderChangedOut]:
        """Place an order: prices are copied from the catalog and stock is reserved.

        Out of stock answers 409 naming the product. Send `Idempotency-Key` to retry safely.
        """
        result = await place_order(
            PlaceOrder(
                tenant=tenant,
                customer_id=customer_of(principal(request)),
                lines=tuple(LineRequest(line.product_id, line.quantity) for line in data.lines),
                idempotency_key=idempotency_key,
            )
        )
        return Response(
            OrderChangedOut.of(result),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"{self.path}/{result.order_id}"},
        )

    @get(
        operation_id="listOrders",
        summary="List orders",
        opt=requires(Permission.ORDERS_READ_OWN),
    )
    async def index(
        self,
        request: AnyRequest,
        list_orders: NamedDependency[ListOrdersHandler],
        tenant: NamedDependency[Tenant],
        status: FromQuery[
            Annotated[OrderStatus | None, Parameter(description="Only orders in this status")]
        ] = None,
        placed_from: FromQuery[
            Annotated[
                str | None,
                Parameter(description="Placed at or after (RFC 3339)", schema_extra=DATE_TIME),
            ]
        ] = None,
        placed_until: FromQuery[
            Annotated[
                str | None,
                Parameter(description="Placed before (RFC 3339)", schema_extra=DATE_TIME),
            ]
        ] = None,
        limit: FromQuery[Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)]] = 20,
        cursor: FromQuery[Cursor] = None,
    ) -> OrderPageOut:
        """Your orders, newest first (staff: everybody's); pass `next_cursor` back as `cursor`."""
        page = await list_orders(
            ListOrders(
                tenant=tenant,
                customer_id=reading_for(principal(request)),
                status=status.value if status else None,
                placed_from=timestamp("placed_from", placed_from),
                placed_until=timestamp("placed_until", placed_until),
                limit=limit,
                cursor=cursor,
            )
        )
        return OrderPageOut.of(page)

    @get(
        "/{order_id:uuid}",
        operation_id="getOrder",
        summary="Get an order",
        opt=requires(Permission.ORDERS_READ_OWN),
        responses=problem_responses(409),
    )
    async def one(
        self,
        request: AnyRequest,
        order_id: FromPath[UUID],
        get_order: NamedDependency[GetOrderHandler],
        get_order_as_of: NamedDependency[GetOrderAsOfHandler],
        tenant: NamedDependency[Tenant],
        min_version: FromQuery[MinVersion] = None,
        as_of: FromQuery[AsOf] = None,
    ) -> OrderOut:
        """One order (yours, or anybody's for staff); `as_of` rebuilds it as it was then."""
        customer = reading_for(principal(request))
        moment = timestamp("as_of", as_of)
        if moment is None:
            row = await get_order(
                GetOrder(
                    tenant=tenant,
                    order_id=order_id,
                    customer_id=customer,
                    min_version=min_version,
                )
            )
        elif min_version is not None:
            raise problem(
                422,
                "validation-failed",
                "as_of and min_version do not go together",
                errors=[{"field": "min_version", "message": "must be absent with as_of"}],
            )
        else:
            row = await get_order_as_of(
                GetOrderAsOf(tenant=tenant, order_id=order_id, at=moment, customer_id=customer)
            )
        return OrderOut.of(row)

    @get(
        "/{order_id:uuid}/history",
        operation_id="getOrderHistory",
        summary="Get an order's history of events",
        opt=requires(Permission.ORDERS_READ_OWN),
    )
    async def history(
        self,
        request: AnyRequest,
        order_id: FromPath[UUID],
        get_order_history: NamedDependency[GetOrderHistoryHandler],
        tenant: NamedDependency[Tenant],
    ) -> HistoryOut:
        """The order's events, oldest first, each in its current schema."""
        entries = await get_order_history(
            GetOrderHistory(
                tenant=tenant,
                order_id=order_id,
                customer_id=reading_for(principal(request)),
            )
        )
        return HistoryOut(order_id, [HistoryEntryOut.of(entry) for entry in entries])

    @post(
        "/{order_id:uuid}/payment",
        operation_id="payOrder",
        summary="Pay an order",
        status_code=HTTP_200_OK,
        opt=requires(Permission.ORDERS_CREATE),
        responses=problem_responses(409),
    )
    async def pay(
        self,
        request: AnyRequest,
        order_id: FromPath[UUID],
        data: JSONBody[Payment],
        pay_order: NamedDependency[PayOrderHandler],
        tenant: NamedDependency[Tenant],
    ) -> PaymentOut:
        """Pay a placed order. A declined card answers 200 with `approved: false`.

        A provider that is down, slow, or behind an open circuit breaker answers 503 with
        Retry-After; nothing is charged twice and the order stays placed.
        """
        outcome = await pay_order(
            PayOrder(
                tenant=tenant,
                order_id=order_id,
                payment_token=data.payment_token,
                customer_id=managing_for(principal(request)),
            )
        )
        return PaymentOut.of(outcome)

    @post(
        "/{order_id:uuid}/shipment",
        operation_id="shipOrder",
        summary="Ship a paid order",
        status_code=HTTP_200_OK,
        opt=requires(Permission.ORDERS_MANAGE),
        responses=problem_responses(409),
    )
    async def ship(
        self,
        order_id: FromPath[UUID],
        ship_order: NamedDependency[RetriedOnConflict[ShipOrder, OrderChanged]],
        tenant: NamedDependency[Tenant],
    ) -> OrderChangedOut:
        """Ship a paid order (staff)."""
        return OrderChangedOut.of(await ship_order(ShipOrder(tenant=tenant, order_id=order_id)))

    @post(
        "/{order_id:uuid}/cancellation",
        operation_id="cancelOrder",
        summary="Cancel an order",
        status_code=HTTP_200_OK,
        opt=requires(Permission.ORDERS_CREATE),
        responses=problem_responses(409),
    )
    async def cancel(
        self,
        request: AnyRequest,
        order_id: FromPath[UUID],
        cancel_order: NamedDependency[CancelOrderHandler],
        tenant: NamedDependency[Tenant],
        data: JSONBody[Cancellation | None] = None,
    ) -> OrderChangedOut:
        """Cancel a placed or paid order (its owner, or staff): stock is released and a paid
        order refunded. If the refund fails (503), the order stays cancelled; cancel again to
        finish the refund."""
        result = await cancel_order(
            CancelOrder(
                tenant=tenant,
                order_id=order_id,
                reason=data.reason if data else "",
                customer_id=managing_for(principal(request)),
            )
        )
        return OrderChangedOut.of(result)
