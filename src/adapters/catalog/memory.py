"""MemoryCatalogUnitOfWork: products in a dict, with the same contract as the SQL adapter.

Writes are staged in the unit of work and applied by `commit` without awaiting anything, so
a commit is atomic for every coroutine of the process; versions and sku uniqueness (within a
tenant) are checked again at that moment, as a database would. Every read names its tenant and
sees only that tenant's products.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from adapters.persistence.memory.outbox import MemoryOutbox
from application.catalog.views import ProductView
from domain.catalog.errors import DuplicateSku
from domain.catalog.product import Product
from domain.catalog.repository import CatalogUnitOfWork, ProductPosition, ProductRepository
from domain.shared.errors import ConcurrentUpdate
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant
from domain.shared.unit_of_work import UnitOfWork


@dataclass
class MemoryCatalogStore:
    """The committed state, shared by every unit of work of one process."""

    products: dict[UUID, Product] = field(default_factory=dict)
    # The unique index: (tenant, sku) -> id.
    skus: dict[tuple[Tenant, str], UUID] = field(default_factory=dict)

    def sku_taken(self, product: Product, staged: dict[UUID, Product | None]) -> bool:
        """Whether a product other than `product` holds its sku in its tenant once `staged` is
        applied."""
        tenant, sku = product.tenant, product.sku
        for pid, other in staged.items():
            if (
                other is not None
                and (other.tenant, other.sku) == (tenant, sku)
                and pid != product.id
            ):
                return True
        owner = self.skus.get((tenant, sku))
        if owner is None or owner == product.id:
            return False
        if owner in staged:
            replacement = staged[owner]
            return replacement is not None and replacement.sku == sku
        return True

    def of(self, tenant: Tenant, products: dict[UUID, Product]) -> list[Product]:
        """The tenant's products among `products`, in creation order."""
        mine = [p for p in products.values() if p.tenant == tenant]
        return sorted(mine, key=lambda p: (p.created_at, p.id))


class MemoryProductRepository(ProductRepository):
    def __init__(
        self, store: MemoryCatalogStore, uow: UnitOfWork, *, read_only: bool = False
    ) -> None:
        self._store = store
        self._uow = uow
        self._read_only = read_only
        self.staged: dict[UUID, Product | None] = {}
        self.expected_versions: dict[UUID, int] = {}

    def _visible(self) -> dict[UUID, Product]:
        merged = {**self._store.products, **self.staged}
        return {pid: p for pid, p in merged.items() if p is not None}

    def _current(self, product_id: UUID) -> Product | None:
        if product_id in self.staged:
            return self.staged[product_id]
        return self._store.products.get(product_id)

    def _check_sku(self, product: Product) -> None:
        if self._store.sku_taken(product, self.staged):
            raise DuplicateSku(product.sku)

    async def add(self, product: Product) -> None:
        self._refuse_if_read_only()
        self._check_sku(product)
        self._uow.saw(product)
        self.staged[product.id] = _fresh_copy(product)
        product.mark_persisted()

    async def get(self, tenant: Tenant, product_id: UUID) -> Product | None:
        stored = self._current(product_id)
        if stored is None or stored.tenant != tenant:
            return None
        product = _fresh_copy(stored)
        self._uow.saw(product)
        return product

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[Product]:
        rows = self._store.of(tenant, self._visible())
        if after is not None:
            rows = [p for p in rows if (p.created_at, p.id) > (after.created_at, after.id)]
        if name_contains:
            needle = name_contains.casefold()
            rows = [p for p in rows if needle in p.name.casefold()]
        return [_fresh_copy(p) for p in rows[:limit]]

    async def update(self, product: Product) -> None:
        self._stage_change(product)
        self._check_sku(product)
        self.staged[product.id] = _fresh_copy(product)
        product.mark_persisted()

    async def remove(self, product: Product) -> None:
        self._stage_change(product)
        self.staged[product.id] = None

    def _refuse_if_read_only(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot write")

    def check_commit(self) -> None:
        """Raise what the commit would: a stale version or a taken sku (awaits nothing)."""
        committed = self._store.products
        for pid, expected in self.expected_versions.items():
            stored = committed.get(pid)
            if stored is None or stored.version != expected:
                raise ConcurrentUpdate(f"product {pid} was changed or deleted meanwhile")
        for product in self.staged.values():
            if product is not None and self._store.sku_taken(product, self.staged):
                raise DuplicateSku(product.sku)

    def apply_commit(self) -> None:
        """Make the staged changes the committed state; call right after check_commit."""
        committed = self._store.products
        for pid, product in self.staged.items():
            previous = committed.pop(pid, None)
            if previous is not None and self._store.skus.get(_sku(previous)) == pid:
                del self._store.skus[_sku(previous)]
            if product is not None:
                committed[pid] = product
                self._store.skus[_sku(product)] = pid
        self.staged.clear()
        self.expected_versions.clear()

    def _stage_change(self, product: Product) -> None:
        self._refuse_if_read_only()
        self._uow.saw(product)
        current = self._current(product.id)
        # Another tenant's product under this id is no product of this one (as SQL's WHERE).
        if current is not None and current.tenant != product.tenant:
            current = None
        if current is None or current.version != product.persisted_version:
            raise ConcurrentUpdate(f"product {product.id} was changed or deleted meanwhile")
        if product.id not in self.staged:
            self.expected_versions[product.id] = product.persisted_version


class MemoryCatalogUnitOfWork(CatalogUnitOfWork):
    """With an `outbox`, a commit also appends the integration events of its domain events."""

    def __init__(
        self,
        store: MemoryCatalogStore,
        *,
        read_only: bool = False,
        outbox: MemoryOutbox | None = None,
    ) -> None:
        self._store = store
        self.read_only = read_only
        self._outbox = outbox

    async def _begin(self) -> None:
        self.products = self._repository = MemoryProductRepository(
            self._store, self, read_only=self.read_only
        )

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._repository.check_commit()
        outgoing = self._outbox.prepare(events) if self._outbox else []
        self._repository.apply_commit()
        if self._outbox:
            self._outbox.append(outgoing)

    async def _close(self) -> None:
        self._repository.staged.clear()


class MemoryProductReader:
    """ProductReader over the committed state (the products in it are never changed in place)."""

    def __init__(self, store: MemoryCatalogStore) -> None:
        self._store = store

    async def product(self, tenant: Tenant, product_id: UUID) -> ProductView | None:
        stored = self._store.products.get(product_id)
        return None if stored is None or stored.tenant != tenant else ProductView.of(stored)

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[ProductView]:
        rows = self._store.of(tenant, self._store.products)
        if after is not None:
            rows = [p for p in rows if (p.created_at, p.id) > (after.created_at, after.id)]
        if name_contains:
            needle = name_contains.casefold()
            rows = [p for p in rows if needle in p.name.casefold()]
        return [ProductView.of(p) for p in rows[:limit]]


def _sku(product: Product) -> tuple[Tenant, str]:
    return product.tenant, product.sku


def _fresh_copy(product: Product) -> Product:
    """A detached copy, so changes to it stay private until they are committed."""
    return Product(
        tenant=product.tenant,
        id=product.id,
        sku=product.sku,
        name=product.name,
        description=product.description,
        price=product.price,
        stock=product.stock,
        created_at=product.created_at,
        updated_at=product.updated_at,
        version=product.version,
    )
