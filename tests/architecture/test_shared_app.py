"""The `app` fixture's reused app (tests/support/shared_app.py) is put back as built: the same
writes give the same answers the second time, its reachable state has the shape of a fresh
app's, and no store can keep its state where the put-back does not look."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.support.auth import bearer, create_user
from tests.support.clock import FixedClock
from tests.support.shared_app import SharedApps, Snapshot

# Types reached from the app that the put-back leaves alone: none holds a store's state. A
# store kept in another type (a cache library's, a weak dictionary of data) would survive from
# one test into the next: keep its data in the project's objects' dicts, lists and sets, or
# walk its package (shared_app.WALKED).
LEAVES = {
    "_thread.RLock",
    # The memory cache's lock: the cache is made with the handlers now (made_once resolves a
    # unit of work's injections then), its entries are walked through its dict.
    "_thread.lock",
    "argon2._password_hasher.PasswordHasher",
    "datetime.timedelta",
    "inspect.Signature",
    "joserfc._rfc7519.claims.JWTClaimsRegistry",
    "joserfc._rfc8037.okp_key.OKPKey",
    "re.Pattern",
    "types.GenericAlias",
    "types.UnionType",
    "typing._AnnotatedAlias",
    "typing._GenericAlias",
    "typing._SpecialForm",
    "typing._SpecialGenericAlias",
    "typing._UnionGenericAlias",
    # The reused app's clock: each test sets the clock it reads (shared_app.py).
    "tests.support.clock.SwitchedClock",
    # The in-process doorbell's waiters: it makes a new one when the event loop changes, and
    # the put-back gives it back its first (no loop yet).
    "weakref.WeakKeyDictionary",
}


PRODUCTS, ORDERS, ORGANISATIONS = "/api/v1/products", "/api/v1/orders", "/api/v1/organisations"


async def _writes(container: Container, app: Litestar) -> dict[str, Any]:
    """A write in every context the project has, the same each time: what each answered, and
    what reads see. (A project generated without the sample contexts has only identity's.)"""
    seen: dict[str, Any] = {}
    paths = {route.path for route in app.routes}
    staff_id = await create_user(container, "staff", email="reset-staff@example.com")
    customer_id = await create_user(container, "customer", email="reset-customer@example.com")
    staff, customer = (
        bearer(container, staff_id, "staff"),
        bearer(container, customer_id, "customer"),
    )
    async with AsyncTestClient(app) as client:
        me = await client.get("/api/v1/users/me", headers=customer)
        seen["me"] = (me.status_code, _without_ids(me.json()))
        if PRODUCTS in paths:
            product = {
                "sku": "reset-check",
                "name": "Green tea",
                "price": {"amount": "2.50", "currency": "EUR"},
                "stock": 10,
            }
            made = await client.post(PRODUCTS, json=product, headers=staff)
            seen["product"] = made.status_code
            one = await client.get(f"{PRODUCTS}/{made.json()['id']}")
            seen["read"] = _without_ids(one.json())
            seen["products"] = _counts((await client.get(PRODUCTS, headers=staff)).json())
        if ORDERS in paths:
            lines = {"lines": [{"product_id": made.json()["id"], "quantity": 2}]}
            # Its list is a projection, updated after the answer: not compared.
            seen["order"] = (await client.post(ORDERS, json=lines, headers=customer)).status_code
        if ORGANISATIONS in paths:
            from tests.support.organisations.members import verified_user

            _, owner = await verified_user(container, "reset-owner@example.com")
            made = await client.post(ORGANISATIONS, json={"name": "Reset"}, headers=owner)
            seen["organisation"] = (made.status_code, _without_ids(made.json()))
            listed = (await client.get(ORGANISATIONS, headers=owner)).json()
            seen["organisations"] = _counts(listed)
    return seen


def _counts(listed: Any) -> list[int]:
    """How many items each list of a listing holds."""
    items = (
        [v for v in listed.values() if isinstance(v, list)]
        if isinstance(listed, dict)
        else [listed]
    )
    return [len(found) for found in items]


def _without_ids(answer: Any) -> Any:
    """An answer without what differs between two runs anyway (ids, times, tags)."""
    if isinstance(answer, dict):
        return sorted(k for k in answer if k not in {"id", "created_at", "updated_at"})
    if isinstance(answer, str):
        return len(answer)
    return answer


def _shape(snapshot: Snapshot) -> Counter[tuple[str, int]]:
    return Counter((type(value).__name__, len(copy)) for value, copy in snapshot.collections)


async def test_a_reused_app_answers_the_same_writes_as_the_first_time(settings: Settings) -> None:
    apps = SharedApps()
    container = apps.container(settings)
    app = apps.app(container)
    first = await _writes(container, app)

    again = apps.container(settings)
    assert again is container
    assert apps.app(again) is app
    assert await _writes(again, app) == first
    assert first["me"][0] == 200
    assert {first.get("product", 201), first.get("order", 201)} == {201}


async def test_a_put_back_app_has_the_state_of_a_fresh_one(settings: Settings) -> None:
    apps = SharedApps()
    container = apps.container(settings)
    app = apps.app(container)
    await _writes(container, app)
    apps.container(settings)  # puts it back

    fresh = SharedApps()
    fresh_container = fresh.container(settings)
    fresh.app(fresh_container)
    built = Snapshot.take(fresh_container, fresh._by_container[id(fresh_container)].app)
    assert _shape(Snapshot.take(container, app)) == _shape(built)


def test_no_store_keeps_state_where_the_put_back_does_not_look(settings: Settings) -> None:
    apps = SharedApps()
    container = apps.container(settings)
    snapshot = Snapshot.take(container, apps.app(container))
    assert snapshot.foreign <= LEAVES, sorted(snapshot.foreign - LEAVES)


async def test_a_provider_overridden_before_the_app_gets_an_app_of_its_own(
    settings: Settings,
) -> None:
    apps = SharedApps()
    container = apps.container(settings)
    app = apps.app(container)
    again = apps.container(settings)
    with again.platform.clock.override(again.platform.clock()):
        assert apps.app(again) is not app
    assert apps.app(apps.container(settings)) is app


def test_every_changed_attribute_and_collection_is_put_back(settings: Settings) -> None:
    """The put-back compares them all and rewrites what differs: changed ones far apart in
    its records, the first and the last among them, each come back."""
    apps = SharedApps()
    container = apps.container(settings)
    snapshot = Snapshot.take(container, apps.app(container))
    objects = [(owner, name, was) for owner, kept in snapshot.slots for name, was in kept.items()]
    dicts = [(value, copy) for value, copy in snapshot.collections if isinstance(value, dict)]
    lists = [(value, copy) for value, copy in snapshot.collections if isinstance(value, list)]
    changed_objects = [objects[0], objects[len(objects) // 2], objects[-1]]
    changed_dicts = [dicts[0], dicts[-1]]
    for owner, name, _ in changed_objects:
        object.__setattr__(owner, name, object())
    for value, _ in changed_dicts:
        value["put back?"] = True
    lists[0][0].append("put back?")

    snapshot.restore()

    assert all(getattr(owner, name) is was for owner, name, was in changed_objects)
    assert all(value == copy for value, copy in changed_dicts)
    assert lists[0][0] == lists[0][1]


async def test_a_reused_app_reads_the_clock_its_test_sets(settings: Settings) -> None:
    apps = SharedApps()
    fixed = FixedClock(datetime(2001, 2, 3, tzinfo=UTC))
    container = apps.container(settings, fixed)
    app = apps.app(container)
    fixed.advance(timedelta(days=1))  # the test moves its clock: the app sees it move
    user_id = await create_user(container, "customer", email="clock@example.com")
    async with AsyncTestClient(app) as client:
        me = await client.get("/api/v1/users/me", headers=bearer(container, user_id, "customer"))
    assert me.json()["created_at"].startswith("2001-02-04")

    again = apps.container(settings)  # the next test set none: the system's
    assert again is container
    assert apps.app(again) is app
    assert again.platform.clock().now() > datetime(2020, 1, 1, tzinfo=UTC)
