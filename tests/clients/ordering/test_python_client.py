"""The Python client generated from the committed OpenAPI document (tools/clients.py) drives a
running `portico serve`: sign-up and sign-in, products, an order placed and read back."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e.conftest import create_admin, portico_env, run_portico, serving
from tools.clients import python_client

ADMIN = ("admin@example.com", "an administrator secret")
CUSTOMER = ("dana@example.com", "a customer secret phrase")


@pytest.fixture(scope="module")
def portico_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, imported from where it was written."""
    folder = python_client(tmp_path_factory.mktemp("py-client") / "portico-client")
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("portico_client")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.partition(".")[0] == "portico_client"]:
            del sys.modules[name]


def test_the_generated_client_signs_in_sells_and_reads_an_order(
    portico_client: ModuleType, tmp_path: Path
) -> None:
    models = importlib.import_module("portico_client.models")
    login, register, get_me = _calls("identity", "login", "register", "get_me")
    create_product, list_products = _calls("catalog", "create_product", "list_products")
    place_order, get_order = _calls("ordering", "place_order", "get_order")
    env = portico_env(database_url=f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}")
    assert run_portico("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    create_admin(env, tmp_path, *ADMIN)

    with serving(env, tmp_path) as (base, _):
        anonymous = portico_client.Client(base_url=base, raise_on_unexpected_status=True)

        def signed_in(email: str, password: str) -> object:
            tokens = login.sync(
                client=anonymous, body=models.Credentials(email=email, password=password)
            )
            assert isinstance(tokens, models.TokenOut), tokens
            return portico_client.AuthenticatedClient(base_url=base, token=tokens.access_token)

        admin = signed_in(*ADMIN)
        tea = create_product.sync(
            client=admin,
            body=models.NewProduct(
                sku="TEA-1",
                name="Green tea",
                price=models.MoneyBody(amount="4.50", currency=models.MoneyBodyCurrency.EUR),
                stock=10,
            ),
        )
        assert isinstance(tea, models.ProductOut), tea
        page = list_products.sync(client=anonymous, limit=20)
        assert [product.sku for product in page.items] == ["TEA-1"]

        signed_up = register.sync(
            client=anonymous, body=models.NewAccount(email=CUSTOMER[0], password=CUSTOMER[1])
        )
        assert isinstance(signed_up, models.AcceptedOut), signed_up
        customer = signed_in(*CUSTOMER)
        placed = place_order.sync(
            client=customer,
            body=models.NewOrder(lines=[models.LineIn(product_id=tea.id, quantity=3)]),
            idempotency_key="first-order",
        )
        assert isinstance(placed, models.OrderChangedOut), placed
        order = get_order.sync(placed.order_id, client=customer, min_version=placed.version)
        assert isinstance(order, models.OrderOut), order
        assert order.status == models.OrderStatus.PLACED
        assert [(line.product_id, line.quantity) for line in order.lines] == [(tea.id, 3)]
        me = get_me.sync(client=customer)
        assert order.customer_id == me.id

        # An error comes back typed as the API's problem+json.
        refused = create_product.sync(client=customer, body=tea_again(models))
        assert isinstance(refused, models.Problem)
        assert refused.status == 403


def _calls(tag: str, *operations: str) -> list[ModuleType]:
    """The generated modules of operations, one per operation, under their tag's package."""
    return [importlib.import_module(f"portico_client.api.{tag}.{op}") for op in operations]


def tea_again(models: ModuleType) -> object:
    price = models.MoneyBody(amount="1.00", currency=models.MoneyBodyCurrency.EUR)
    return models.NewProduct(sku="TEA-2", name="More tea", price=price)
