"""MemoryCatalogUnitOfWork: products in a dict, with the same contract as the SQL adapter.

Writes are staged in the unit of work and applied by `commit` without awaiting anything, so
a commit is atomic for every coroutine of the process; versions and sku uniqueness are checked
again at that moment, as a database would.
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
from domain.shared.unit_of_work import UnitOfWork


@dataclass
class MemoryCatalogStore:
    """The committed state, shared by every unit of work of one process."""

    products: dict[UUID, Product] = field(default_factory=dict)
    skus: dict[str, UUID] = field(default_factory=dict)

    def sku_taken(self, sku: str, by_other_than: UUID, staged: dict[UUID, Product | None]) -> bool:
        """Whether a product other than `by_other_than` holds `sku` once `staged` is applied."""
        for pid, product in staged.items():
            if product is not None and product.sku == sku and pid != by_other_than:
                return True
        owner = self.skus.get(sku)
        if owner is None or owner == by_other_than:
            return False
        if owner in staged:
            replacement = staged[owner]
            return replacement is not None and replacement.sku == sku
        return True


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
        if self._store.sku_taken(product.sku, product.id, self.staged):
            raise DuplicateSku(product.sku)

    async def add(self, product: Product) -> None:
        self._refuse_if_read_only()
        self._check_sku(product)
        self._uow.saw(product)
        self.staged[product.id] = _fresh_copy(product)
        product.mark_persisted()

    async def get(self, product_id: UUID) -> Product | None:
        stored = self._current(product_id)
        if stored is None:
            return None
        product = _fresh_copy(stored)
        self._uow.saw(product)
        return product

    async def page(
        self, *, after: ProductPosition | None, limit: int, name_contains: str | None = None
    ) -> list[Product]:
        rows = sorted(self._visible().values(), key=lambda p: (p.created_at, p.id))
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
        for pid, product in self.staged.items():
            if product is not None and self._store.sku_taken(product.sku, pid, self.staged):
                raise DuplicateSku(product.sku)

    def apply_commit(self) -> None:
        """Make the staged changes the committed state; call right after check_commit."""
        committed = self._store.products
        for pid, product in self.staged.items():
            previous = committed.pop(pid, None)
            if previous is not None and self._store.skus.get(previous.sku) == pid:
                del self._store.skus[previous.sku]
            if product is not None:
                committed[pid] = product
                self._store.skus[product.sku] = pid
        self.staged.clear()
        self.expected_versions.clear()

    def _stage_change(self, product: Product) -> None:
        self._refuse_if_read_only()
        self._uow.saw(product)
        current = self._current(product.id)
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

    async def product(self, product_id: UUID) -> ProductView | None:
        stored = self._store.products.get(product_id)
        return None if stored is None else ProductView.of(stored)

    async def page(
        self, *, after: ProductPosition | None, limit: int, name_contains: str | None = None
    ) -> list[ProductView]:
        rows = sorted(self._store.products.values(), key=lambda p: (p.created_at, p.id))
        if after is not None:
            rows = [p for p in rows if (p.created_at, p.id) > (after.created_at, after.id)]
        if name_contains:
            needle = name_contains.casefold()
            rows = [p for p in rows if needle in p.name.casefold()]
        return [ProductView.of(p) for p in rows[:limit]]


def _fresh_copy(product: Product) -> Product:
    """A detached copy, so changes to it stay private until they are committed."""
    return Product(
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
