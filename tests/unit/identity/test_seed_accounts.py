"""Identity's demo accounts: one administrator first, staff, customers, unique emails."""

from __future__ import annotations

from application.shared.seeding import SeedPlan
from domain.identity.roles import Role
from entrypoints.identity.seed import ADMIN_EMAIL, accounts


def test_the_administrator_comes_first_then_one_staff_in_twenty_and_emails_are_unique() -> None:
    made = accounts(SeedPlan({"users": 400}, seed=1))
    assert made[0].email == ADMIN_EMAIL
    assert made[0].roles == {Role.ADMIN}
    assert sum(account.roles == {Role.STAFF} for account in made) == 20
    assert len({account.email for account in made}) == 400


def test_another_context_count_leaves_the_accounts_as_they_were() -> None:
    few = accounts(SeedPlan({"users": 50, "products": 5}, seed=3))
    many = accounts(SeedPlan({"users": 50, "products": 5000}, seed=3))
    assert few == many
    assert few != accounts(SeedPlan({"users": 50, "products": 5}, seed=4))
