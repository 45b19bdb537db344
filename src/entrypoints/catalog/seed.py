"""Catalog's demo data: products with plausible names, unique SKUs, prices and stock levels.

They go to the single tenant's catalog, where tenancy off reads (docs/tenancy.md)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from application.catalog.create_product import CreateProduct
from application.catalog.seed_products import SeedProducts
from application.shared.seeding import SeedPlan, SeedRun
from domain.shared.tenant import Tenant
from entrypoints.module import Seed, SeedSize

CURRENCY = "EUR"
# fmt: off
ADJECTIVES = (
    "Classic", "Compact", "Sturdy", "Foldable", "Vintage", "Modern", "Rustic", "Minimal",
    "Deluxe", "Everyday", "Portable", "Handmade", "Ergonomic", "Lightweight", "Heavy-duty",
)
MATERIALS = (
    "Oak", "Walnut", "Steel", "Brass", "Linen", "Wool", "Leather", "Ceramic", "Glass", "Bamboo",
    "Cotton", "Cork",
)
# fmt: on
# Noun, SKU prefix, typical price in euros.
KINDS = (
    ("Desk", "DSK", 240),
    ("Chair", "CHR", 120),
    ("Lamp", "LMP", 45),
    ("Mug", "MUG", 12),
    ("Notebook", "NBK", 9),
    ("Backpack", "BPK", 70),
    ("Shelf", "SHF", 90),
    ("Rug", "RUG", 150),
    ("Kettle", "KTL", 35),
    ("Clock", "CLK", 30),
    ("Vase", "VAS", 25),
    ("Stool", "STL", 60),
)
ENDINGS = ("99", "95", "49", "00")


def commands(plan: SeedPlan) -> list[CreateProduct]:
    rng = plan.random("catalog")
    made = []
    for index in range(1, plan.size("products") + 1):
        noun, prefix, typical = rng.choice(KINDS)
        adjective, material = rng.choice(ADJECTIVES), rng.choice(MATERIALS)
        euros = max(2, round(typical * rng.uniform(0.5, 1.8)))
        made.append(
            CreateProduct(
                tenant=Tenant.single(),
                sku=f"{prefix}-{index:06d}",
                name=f"{adjective} {material} {noun}",
                description=f"A {adjective.lower()} {noun.lower()} made of {material.lower()}.",
                price_amount=Decimal(f"{euros - 1}.{rng.choice(ENDINGS)}"),
                price_currency=CURRENCY,
                stock=0 if rng.random() < 0.08 else rng.randint(5, 200),  # some sold out
            )
        )
    return made


def _products(root: Any) -> SeedProducts:
    catalog = root.catalog
    return SeedProducts(catalog.units_of_work(), catalog.clock(), catalog.ids())


async def refusal(root: Any, plan: SeedPlan) -> str | None:
    if plan.size("products") and await _products(root).holds_products(Tenant.single()):
        return "the database already holds products: portico seed fills an empty database"
    return None


async def fill(root: Any, run: SeedRun) -> Sequence[str]:
    wanted = commands(run.plan)
    if not wanted:
        return []
    run.progress.start("products", len(wanted))
    run.published["products"] = await _products(root)(wanted, run.progress.advance)
    sold_out = sum(command.stock == 0 for command in wanted)
    return [f"products: {len(wanted)} ({sold_out} sold out), prices in {CURRENCY}"]


SEED = Seed(
    sizes=[SeedSize("products", 200, "products, 1 in 12 of them sold out")],
    refusal=refusal,
    fill=fill,
)
