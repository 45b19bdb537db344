"""ProductController: /api/v1/products. Parse, call one use case, map the result; nothing more."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar, cast
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.catalog.adjust_stock import AdjustStock, AdjustStockHandler
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.catalog.delete_product import DeleteProduct, DeleteProductHandler
from application.catalog.get_product import GetProduct
from application.catalog.list_products import ListProducts
from application.catalog.update_product import UpdateProduct, UpdateProductHandler
from application.catalog.views import ProductView
from application.shared.pagination import MAX_PAGE_SIZE, Page
from application.shared.read_through import Cached
from domain.identity.roles import Permission
from domain.shared.tenant import Tenant
from entrypoints.catalog.http.schemas import (
    NewProduct,
    ProductChanges,
    ProductOut,
    ProductPageOut,
    StockAdjustment,
)
from entrypoints.http.dependencies import TENANT_HEADER
from entrypoints.http.openapi import problem_responses
from entrypoints.http.preconditions import IfMatch, etag, expected_version, matches_any
from entrypoints.http.rendered import RenderedOnce
from entrypoints.http.responses import Response
from entrypoints.http.schemas import Cursor
from entrypoints.http.security.authentication import TENANT_READ
from entrypoints.http.security.permissions import requires
from entrypoints.http.vary import vary_by

IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-None-Match",
        required=False,
        description='ETags you hold, e.g. "3"; if one is current the answer is 304, no body.',
    ),
]
# Anyone may store public reads, but must revalidate (If-None-Match) before each reuse: no
# client or proxy serves a version older than the one a write just returned.
PUBLIC_READ = CacheControlHeader(public=True, no_cache=True)
# A tenant's reads (tenancy on) are its members' only: no shared cache may keep them, and a
# browser keeps one copy per organisation (docs/tenancy.md, "Caching a tenant's answers").
PRIVATE_READ = CacheControlHeader(private=True, no_cache=True).to_header()
NOT_MODIFIED = {304: ResponseSpec(None, description="Your copy is current (If-None-Match)")}


def _with_etag(view: ProductView, status_code: int = 200) -> Response[ProductOut]:
    return Response(
        ProductOut.of(view), status_code=status_code, headers={"ETag": etag(view.version)}
    )


R = TypeVar("R", bound=Response)  # type: ignore[type-arg]


def _cacheable(response: R, tenant: Tenant, request: Request[Any, Any, Any]) -> R:
    """A read's caching headers: PUBLIC_READ (the route's) in the single tenant, else private
    and varying by organisation. The tenant tells, not a setting: with tenancy on no request
    acts within the single tenant."""
    if not tenant.is_single:
        # A response's headers override the route's.
        response.headers[CacheControlHeader.HEADER_NAME] = PRIVATE_READ
        vary_by(request.scope, TENANT_HEADER)
    return response


# The single tenant's reads, rendered once per cached value (a memory cache's hits share one).
# A tenant's go through _cacheable: private, and varying by organisation. Behind no cache every
# value is new, so remembering its rendering would only cost (bench/README.md).
PRODUCTS_RENDERED, FIRST_PAGES_RENDERED = RenderedOnce(), RenderedOnce()
T = TypeVar("T")
# Reads are public with tenancy off (a member's with it on); every write needs catalog:write
# (staff and admins).
CATALOG_WRITE = requires(Permission.CATALOG_WRITE)
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


def _unset_to_none(value: T | msgspec.UnsetType) -> T | None:
    return None if value is msgspec.UNSET else value


class ProductController(Controller):
    path = "/api/v1/products"
    tags = ["catalog"]

    @post(
        operation_id="createProduct",
        summary="Create a product",
        status_code=HTTP_201_CREATED,
        opt=CATALOG_WRITE,
        security=BEARER,
        responses=problem_responses(409),
    )
    async def create(
        self,
        data: JSONBody[NewProduct],
        create_product: NamedDependency[CreateProductHandler],
        tenant: NamedDependency[Tenant],
    ) -> Response[ProductOut]:
        """Add a product to the catalog."""
        view = await create_product(
            CreateProduct(
                tenant=tenant,
                sku=data.sku,
                name=data.name,
                description=data.description,
                price_amount=data.price.amount,
                price_currency=data.price.currency,
                stock=data.stock,
            )
        )
        response = _with_etag(view, HTTP_201_CREATED)
        response.headers["Location"] = f"{self.path}/{view.id}"
        return response

    @get(
        operation_id="listProducts",
        summary="List products, newest first",
        opt=TENANT_READ,
        cache_control=PUBLIC_READ,
    )
    async def list(
        self,
        list_products: NamedDependency[Cached[ListProducts, Page[ProductView]]],
        tenant: NamedDependency[Tenant],
        request: Request[Any, Any, Any],
        limit: FromQuery[Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)]] = 20,
        cursor: FromQuery[Cursor] = None,
        search: FromQuery[
            Annotated[str | None, Parameter(description="Only names containing this text")]
        ] = None,
    ) -> Response[ProductPageOut]:
        """Products in creation order, a page at a time; pass `next_cursor` back as `cursor`."""
        page = await list_products(
            ListProducts(tenant=tenant, limit=limit, cursor=cursor, search=search)
        )
        if tenant.is_single and list_products.keeps_values:
            return FIRST_PAGES_RENDERED(page, lambda: Response(ProductPageOut.of(page)))
        return _cacheable(Response(ProductPageOut.of(page)), tenant, request)

    @get(
        "/{product_id:uuid}",
        operation_id="getProduct",
        summary="Get a product",
        opt=TENANT_READ,
        responses=NOT_MODIFIED,
        cache_control=PUBLIC_READ,
    )
    async def get(
        self,
        product_id: FromPath[UUID],
        get_product: NamedDependency[Cached[GetProduct, ProductView]],
        tenant: NamedDependency[Tenant],
        request: Request[Any, Any, Any],
        if_none_match: IfNoneMatch = None,
    ) -> Response[ProductOut]:
        """One product, with its version as ETag; If-None-Match answers 304 when current."""
        view = await get_product(GetProduct(tenant, product_id))
        if matches_any(if_none_match, view.version):
            # No body; the annotation stays ProductOut so OpenAPI describes the 200.
            not_modified = Response(None, status_code=304, headers={"ETag": etag(view.version)})
            return cast("Response[ProductOut]", _cacheable(not_modified, tenant, request))
        if tenant.is_single and get_product.keeps_values:
            return PRODUCTS_RENDERED(view, lambda: _with_etag(view))
        return _cacheable(_with_etag(view), tenant, request)

    @patch(
        "/{product_id:uuid}",
        operation_id="updateProduct",
        summary="Change a product",
        opt=CATALOG_WRITE,
        security=BEARER,
        responses=problem_responses(409),
    )
    async def update(
        self,
        product_id: FromPath[UUID],
        data: JSONBody[ProductChanges],
        update_product: NamedDependency[UpdateProductHandler],
        tenant: NamedDependency[Tenant],
        if_match: IfMatch = None,
    ) -> Response[ProductOut]:
        """Change some fields of a product. Send If-Match to refuse changing a newer version."""
        price = _unset_to_none(data.price)
        view = await update_product(
            UpdateProduct(
                tenant=tenant,
                product_id=product_id,
                expected_version=expected_version(if_match),
                sku=_unset_to_none(data.sku),
                name=_unset_to_none(data.name),
                description=_unset_to_none(data.description),
                price_amount=price.amount if price else None,
                price_currency=price.currency if price else None,
            )
        )
        return _with_etag(view)

    @delete(
        "/{product_id:uuid}",
        operation_id="deleteProduct",
        summary="Delete a product",
        status_code=HTTP_204_NO_CONTENT,
        opt=CATALOG_WRITE,
        security=BEARER,
        responses=problem_responses(409),
    )
    async def remove(
        self,
        product_id: FromPath[UUID],
        delete_product: NamedDependency[DeleteProductHandler],
        tenant: NamedDependency[Tenant],
        if_match: IfMatch = None,
    ) -> None:
        """Remove a product from the catalog."""
        await delete_product(
            DeleteProduct(
                tenant=tenant, product_id=product_id, expected_version=expected_version(if_match)
            )
        )

    @post(
        "/{product_id:uuid}/stock-adjustments",
        operation_id="adjustStock",
        summary="Adjust a product's stock",
        status_code=200,
        opt=CATALOG_WRITE,
        security=BEARER,
        responses=problem_responses(409),
    )
    async def adjust_stock(
        self,
        product_id: FromPath[UUID],
        data: JSONBody[StockAdjustment],
        adjust_stock: NamedDependency[AdjustStockHandler],
        tenant: NamedDependency[Tenant],
        if_match: IfMatch = None,
    ) -> Response[ProductOut]:
        """Add or remove units of stock; stock never goes below zero (409)."""
        view = await adjust_stock(
            AdjustStock(
                tenant=tenant,
                product_id=product_id,
                delta=data.delta,
                reason=data.reason,
                expected_version=expected_version(if_match),
            )
        )
        return _with_etag(view)
