"""The floor with bench.compare's W4: the signed-in read of an order by id.

W1's read by id, of the order's read-model row (`order_details` in its live generation, which
the app's projector fills), behind the floor's bearer check. Its own module so that removing the
ordering context (tools/contexts.py takes the bench scripts naming its routes) leaves
bench/floor.py whole.

    granian --interface asgi --workers 1 bench.floor_orders:app
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.exceptions import NotFoundException

from bench.floor import TENANT, db, floor_app, signed_in


@get("/api/v1/orders/{order_id:uuid}")
async def order(request: Request[Any, Any, Any], order_id: UUID) -> dict[str, Any]:
    signed_in(request)
    row = await db().fetchrow(
        "SELECT order_id, customer_id, status, total_amount, currency, lines, placed_at, "
        "updated_at, version FROM order_details WHERE organisation_id = $1 AND order_id = $2 "
        # The live generation of the read model (a rebuild writes the next one beside it), as
        # Portico reads it: the primary key (generation, order_id), not a scan.
        "AND generation = (SELECT generation FROM projection_state WHERE name = 'order_details')",
        TENANT,
        order_id,
    )
    if row is None:
        raise NotFoundException()
    return {
        "id": str(row["order_id"]),
        "customer_id": str(row["customer_id"]),
        "status": row["status"],
        "total": {"amount": str(row["total_amount"]), "currency": row["currency"]},
        "lines": msgspec.json.decode(row["lines"]),
        "placed_at": row["placed_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "version": row["version"],
    }


app = floor_app(order)
