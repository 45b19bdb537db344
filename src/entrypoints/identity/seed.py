"""Identity's demo data: an administrator, a few staff and customers, all with one known password.

The password is printed once at the end of `portico seed`; it is for a demo database only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.identity.seed_users import Account, SeedUsers
from application.shared.seeding import SeedPlan, SeedRun
from domain.identity.roles import Role
from entrypoints.module import Seed, SeedSize

DEMO_PASSWORD = "demo-password-not-secret"  # noqa: S105 (printed: for demo databases only)
ADMIN_EMAIL = "admin@example.com"
STAFF_SHARE = 20  # one staff member per 20 accounts

# fmt: off
FIRST = (
    "ada", "alan", "grace", "linus", "barbara", "ken", "dennis", "margaret", "edsger", "donald",
    "frances", "john", "radia", "tim", "sophie", "hedy", "katherine", "guido", "bjarne", "anita",
    "niklaus", "leslie", "shafi", "whitfield", "yukihiro",
)
LAST = (
    "lovelace", "turing", "hopper", "torvalds", "liskov", "thompson", "ritchie", "hamilton",
    "dijkstra", "knuth", "allen", "backus", "perlman", "berners-lee", "wilson", "lamarr",
    "johnson", "rossum", "stroustrup", "borg", "wirth", "lamport", "goldwasser", "diffie",
    "matsumoto",
)
# fmt: on
DOMAINS = ("example.com", "example.org", "example.net")


def _users(root: Any) -> SeedUsers:
    identity = root.identity
    return SeedUsers(
        identity.units_of_work(), identity.password_hasher(), identity.clock(), identity.ids()
    )


def accounts(plan: SeedPlan) -> list[Account]:
    """The first is the administrator, then staff, then customers; emails are unique."""
    count = plan.size("users")
    if count == 0:
        return []
    rng = plan.random("identity")
    staff = count // STAFF_SHARE
    made = [Account(ADMIN_EMAIL, frozenset({Role.ADMIN}))]
    seen = {ADMIN_EMAIL}
    while len(made) < count:
        name = f"{rng.choice(FIRST)}.{rng.choice(LAST)}"
        email = f"{name}@{rng.choice(DOMAINS)}"
        if email in seen:
            email = f"{name}{len(made)}@{rng.choice(DOMAINS)}"
        seen.add(email)
        role = Role.STAFF if len(made) <= staff else Role.CUSTOMER
        made.append(Account(email, frozenset({role})))
    return made


async def refusal(root: Any, plan: SeedPlan) -> str | None:
    if plan.size("users") and await _users(root).holds_users():
        return "the database already holds users: portico seed fills an empty database"
    return None


async def fill(root: Any, run: SeedRun) -> Sequence[str]:
    wanted = accounts(run.plan)
    if not wanted:
        return []
    run.progress.start("users", len(wanted))
    ids = await _users(root)(wanted, DEMO_PASSWORD, run.progress.advance)
    customers = [
        user_id
        for user_id, account in zip(ids, wanted, strict=True)
        if Role.CUSTOMER in account.roles
    ]
    run.published["customers"] = customers or ids  # staff may order too, when all are staff
    staff = sum(Role.STAFF in account.roles for account in wanted)
    return [
        f"users: {len(ids)} (administrator {ADMIN_EMAIL}, {staff} staff, "
        f"{len(customers)} customers)",
        f"password of every seeded user: {DEMO_PASSWORD}",
    ]


SEED = Seed(
    sizes=[SeedSize("users", 50, "accounts: one administrator, 1 in 20 staff, the rest customers")],
    refusal=refusal,
    fill=fill,
)
