"""RedisCatalogUnitOfWork: products as Redis documents, with the SQL adapter's contract.

Keys under `<prefix>:catalog:<organisation>:`, one space per tenant: `product:<id>` (hash: `v`
version, `d` JSON), `sku` (hash sku -> id: the unique index), `created` (creation order,
adapters/persistence/redis/ordered.py). The single tenant's space is `<prefix>:catalog:` itself,
where products were kept before tenancy: they stay its products, with no migration.
Writes are staged like the memory adapter's and committed by one Lua script that checks every
version it expects and every sku it takes, then writes documents, indexes and outbox events
together (adapters/persistence/redis/documents.py). A name search walks the creation order and
filters, as SQL's `LIKE '%text%'` scans the table: no index serves a substring.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from adapters.persistence.redis.documents import CommitRefused, RedisDocuments, WriteSet
from adapters.persistence.redis.ordered import ids_after, member
from adapters.persistence.redis.outbox import RedisOutbox
from application.catalog.views import ProductView
from domain.catalog.errors import DuplicateSku
from domain.catalog.product import Product
from domain.catalog.repository import CatalogUnitOfWork, ProductPosition, ProductRepository
from domain.shared.errors import ConcurrentUpdate
from domain.shared.events import DomainEvent
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from domain.shared.unit_of_work import UnitOfWork


def _space(documents: RedisDocuments, tenant: Tenant, *parts: str) -> str:
    """A key in the tenant's space (no segment for the single tenant: see above)."""
    if tenant.is_single:
        return documents.key("catalog", *parts)
    return documents.key("catalog", str(tenant.organisation_id), *parts)


class RedisProductRepository(ProductRepository):
    def __init__(
        self, documents: RedisDocuments, uow: UnitOfWork, *, read_only: bool = False
    ) -> None:
        self._documents = documents
        self._uow = uow
        self._read_only = read_only
        self.staged: dict[UUID, Product | None] = {}
        # The committed product each staged change replaces (None for an added one), and the
        # version the commit expects to find.
        self.replaced: dict[UUID, Product | None] = {}
        self.expected: dict[UUID, int] = {}
        # What `get` read from the server: an update of it needs no second read (the commit
        # checks its version anyway).
        self.read: dict[UUID, Product] = {}

    def product_key(self, tenant: Tenant, product_id: UUID) -> str:
        return _space(self._documents, tenant, "product", str(product_id))

    def _skus(self, tenant: Tenant) -> str:
        return _space(self._documents, tenant, "sku")

    def _created(self, tenant: Tenant) -> str:
        return _space(self._documents, tenant, "created")

    async def _committed(self, tenant: Tenant, product_id: UUID) -> Product | None:
        document = await self._documents.read(self.product_key(tenant, product_id))
        return None if document is None else _product(document, tenant)

    async def add(self, product: Product) -> None:
        self._refuse_if_read_only()
        await self._check_sku(product)
        self._uow.saw(product)
        self.staged[product.id] = _copy(product)
        self.replaced.setdefault(product.id, None)
        self.expected.setdefault(product.id, 0)
        product.mark_persisted()

    async def get(self, tenant: Tenant, product_id: UUID) -> Product | None:
        if product_id in self.staged:
            staged = self.staged[product_id]
            stored = None if staged is None or staged.tenant != tenant else _copy(staged)
        else:
            stored = await self._committed(tenant, product_id)
            if stored is not None:
                self.read[product_id] = _copy(stored)
        if stored is not None:
            self._uow.saw(stored)
        return stored

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[Product]:
        needle = name_contains.casefold() if name_contains else None

        def wanted(product: Product) -> bool:
            in_tenant = product.tenant == tenant
            return in_tenant and (needle is None or needle in product.name.casefold())

        start = None if after is None else member(after.created_at, after.id)
        found: list[Product] = []
        created, chunk = self._created(tenant), max(limit, 50)
        async for ids in ids_after(self._documents, created, start, chunk=chunk):
            unstaged = [pid for pid in ids if pid not in self.staged]
            keys = [self.product_key(tenant, i) for i in unstaged]
            documents = await self._documents.read_many(keys)
            found += [p for d in documents if d is not None and wanted(p := _product(d, tenant))]
            if len(found) >= limit:
                break
        found += [
            _copy(p)
            for p in self.staged.values()
            if p is not None and wanted(p) and (start is None or member(p.created_at, p.id) > start)
        ]
        found.sort(key=lambda p: (p.created_at, p.id))
        return found[:limit]

    async def update(self, product: Product) -> None:
        await self._stage_change(product)
        await self._check_sku(product)
        self.staged[product.id] = _copy(product)
        product.mark_persisted()

    async def remove(self, product: Product) -> None:
        await self._stage_change(product)
        self.staged[product.id] = None

    async def _stage_change(self, product: Product) -> None:
        self._refuse_if_read_only()
        self._uow.saw(product)
        if product.id in self.staged:
            current = self.staged[product.id]
        else:
            read = self.read.get(product.id)
            if read is not None and read.tenant != product.tenant:
                read = None  # another tenant's product under this id is no product of this one
            current = read or await self._committed(product.tenant, product.id)
            self.replaced[product.id] = current
            if current is not None:
                self.expected[product.id] = current.version
        if current is None or current.version != product.persisted_version:
            raise ConcurrentUpdate(f"product {product.id} was changed or deleted meanwhile")

    async def _check_sku(self, product: Product) -> None:
        for pid, staged in self.staged.items():
            same = staged is not None and (staged.tenant, staged.sku) == (
                product.tenant,
                product.sku,
            )
            if same and pid != product.id:
                raise DuplicateSku(product.sku)
        replaced = self.replaced.get(product.id)
        if replaced is not None and replaced.sku == product.sku:
            return  # its own sku, held in the index by it since the version it was read at
        async with self._documents.reachable():
            raw = await self._documents.client.hget(self._skus(product.tenant), product.sku)
        if raw is None:
            return
        owner = UUID(raw.decode() if isinstance(raw, bytes) else raw)
        if owner == product.id:
            return
        if owner in self.staged:
            replacement = self.staged[owner]
            if replacement is None or replacement.sku != product.sku:
                return  # this unit of work frees it
        raise DuplicateSku(product.sku)

    def _refuse_if_read_only(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot write")

    def write_set(self) -> WriteSet:
        """The commit: the expected versions, then the documents and both indexes."""
        writes = WriteSet()
        freeing: dict[str, list[str]] = {}
        for pid, product in self.staged.items():
            old = self.replaced.get(pid)
            if old is not None and (product is None or product.sku != old.sku):
                writes.release(self._skus(old.tenant), old.sku, str(pid))
                freeing.setdefault(f"{old.tenant.organisation_id}:{old.sku}", []).append(str(pid))
        for pid, product in self.staged.items():
            old = self.replaced.get(pid)
            # A staged change is of the product it replaces: the same tenant.
            tenant = (product or old or _nothing(pid)).tenant
            key = self.product_key(tenant, pid)
            writes.expect_version(key, self.expected[pid])
            if product is None:
                writes.delete(key)
                if old is not None:
                    writes.unindex(self._created(tenant), member(old.created_at, pid))
                continue
            freed = freeing.get(f"{tenant.organisation_id}:{product.sku}", ())
            writes.claim(self._skus(tenant), product.sku, str(pid), freed)
            writes.put(key, product.version, _document(product))
            writes.index(self._created(tenant), member(product.created_at, pid))
        return writes

    def discard(self) -> None:
        self.staged.clear()
        self.replaced.clear()
        self.expected.clear()
        self.read.clear()


class RedisCatalogUnitOfWork(CatalogUnitOfWork):
    """With an `outbox`, a commit also appends the integration events of its domain events."""

    def __init__(
        self,
        documents: RedisDocuments,
        *,
        read_only: bool = False,
        outbox: RedisOutbox | None = None,
    ) -> None:
        self._documents = documents
        self.read_only = read_only
        self._outbox = outbox

    async def _begin(self) -> None:
        self.products = self._repository = RedisProductRepository(
            self._documents, self, read_only=self.read_only
        )

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        writes = self._repository.write_set()
        has_events = self._outbox.stage(writes, events) if self._outbox else False
        try:
            await self._documents.commit(writes)
        except CommitRefused as refused:
            if refused.kind == "taken":
                raise DuplicateSku(refused.subject) from None
            raise ConcurrentUpdate("a product was changed or deleted meanwhile") from None
        self._repository.discard()
        if has_events and self._outbox:
            self._outbox.notify()

    async def _close(self) -> None:
        self._repository.discard()


class RedisProductReader:
    """ProductReader on the committed documents: one GET (HGET) by id, chunks of MGET a page."""

    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents

    def _key(self, tenant: Tenant, product_id: UUID) -> str:
        return _space(self._documents, tenant, "product", str(product_id))

    async def product(self, tenant: Tenant, product_id: UUID) -> ProductView | None:
        document = await self._documents.read(self._key(tenant, product_id))
        return None if document is None else _view(document)

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[ProductView]:
        needle = name_contains.casefold() if name_contains else None
        start = None if after is None else member(after.created_at, after.id)
        found: list[ProductView] = []
        created, chunk = _space(self._documents, tenant, "created"), max(limit, 50)
        async for ids in ids_after(self._documents, created, start, chunk=chunk):
            documents = await self._documents.read_many([self._key(tenant, i) for i in ids])
            found += [
                _view(d)
                for d in documents
                if d is not None and (needle is None or needle in d["name"].casefold())
            ]
            if len(found) >= limit:
                break
        return found[:limit]


def _view(document: dict[str, Any]) -> ProductView:
    price = document["price"]
    return ProductView(
        id=UUID(document["id"]),
        sku=document["sku"],
        name=document["name"],
        description=document["description"],
        price_amount=Decimal(price["amount"]),
        price_currency=price["currency"],
        stock=document["stock"],
        version=document["version"],
        created_at=datetime.fromisoformat(document["created_at"]),
        updated_at=datetime.fromisoformat(document["updated_at"]),
    )


def _document(product: Product) -> dict[str, Any]:
    return {
        "id": str(product.id),
        "organisation_id": str(product.tenant.organisation_id),
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price": {"amount": str(product.price.amount), "currency": product.price.currency},
        "stock": product.stock,
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
        "version": product.version,
    }


def _product(document: dict[str, Any], tenant: Tenant) -> Product:
    """The product a document of `tenant`'s space holds (documents from before tenancy do not
    name their tenant: the space they are in does)."""
    price = document["price"]
    return Product(
        tenant=tenant,
        id=UUID(document["id"]),
        sku=document["sku"],
        name=document["name"],
        description=document["description"],
        price=Money(Decimal(price["amount"]), price["currency"]),
        stock=document["stock"],
        created_at=datetime.fromisoformat(document["created_at"]),
        updated_at=datetime.fromisoformat(document["updated_at"]),
        version=document["version"],
    )


def _copy(product: Product) -> Product:
    """A detached copy, so changes to it stay private until they are committed."""
    return _product(_document(product), product.tenant)


def _nothing(product_id: UUID) -> Product:
    raise AssertionError(f"product {product_id} staged with nothing read or written")


__all__ = ["RedisCatalogUnitOfWork", "RedisProductReader", "RedisProductRepository"]
