"""bench.compare's W4 seeding: a customer who has placed orders, its email and the orders' paths.

The orders go through the app in process (`POST /api/v1/orders`, each line a different seeded
product), so their events, stock and read model are what a served order leaves; the order's
read model is a projection, so this waits until every order reads back. The customer signs in
over HTTP in each target with this email and the tests' password (tests/support/auth.py).
"""

from __future__ import annotations

import asyncio
import json
import time

from tests.support.auth import TEST_PASSWORD, bearer, create_user

from bench.query_side import _call, _lifespan, _settings

PASSWORD = TEST_PASSWORD  # the customer's, as create_user gives it


async def seed_orders(url: str, product_ids: list[str], count: int) -> tuple[str, list[str]]:
    """`count` orders (at most one per product) of one new customer on the database at `url`:
    its email, and the orders' paths."""
    from entrypoints.container import build_container
    from entrypoints.http.app import create_app

    container = build_container(_settings(url))
    app = create_app(container)
    email = f"bench-customer-{time.time_ns()}@example.com"
    orders: list[str] = []
    async with _lifespan(app):
        user = await create_user(container, "customer", email=email)
        header = bearer(container, user, "customer")["Authorization"].encode()
        authorized = [(b"authorization", header)]
        for product in product_ids[:count]:
            line = {"product_id": product, "quantity": 1}
            status, body = await _call(app, "POST", "/api/v1/orders", authorized, {"lines": [line]})
            assert status == 201, (status, body)
            orders.append(f"/api/v1/orders/{json.loads(body)['order_id']}")
        for path in orders:
            while (await _call(app, "GET", path, authorized))[0] != 200:
                await asyncio.sleep(0.05)
    return email, orders
