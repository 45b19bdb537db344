"""Schemathesis against the app's OpenAPI document: every operation, every check, as an admin.

The app runs in-process (ASGI) on a SQLite file of its own, migrated and given its administrator
the way an operator does it (`portico db upgrade`, then the use case `portico users create-admin`
calls): SQLite rather than the memory adapters because it is the default deployment and runs the
SQL adapters' error mapping (unique keys, versions), which the document must describe too.

Every check runs (schemathesis' default): no server error, responses and their headers and
content types as documented, schema-valid requests accepted and invalid ones refused, auth
enforced, OPTIONS/Allow and 405 consistent. ACCEPTED below says where a schema-valid request may
still be refused, and why.

FUZZ_SEED and FUZZ_MAX_EXAMPLES (examples per operation, for each of the examples, coverage and
fuzzing phases) are the seed and the budget, kept here and nowhere else; environment variables of
the same names override them: `FUZZ_MAX_EXAMPLES=500 FUZZ_SEED=7 pytest tests/fuzz` hunts longer.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from alembic import command
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import BaseSchema

from application.identity.register_user import RegisterUser
from domain.identity.roles import Role
from entrypoints.cli.db import alembic_config
from entrypoints.container import build_container, close_container
from entrypoints.http.app import create_app
from entrypoints.settings import AuthSettings, DatabaseSettings, LoggingSettings, Settings
from tests.conftest import FAST_PASSWORDS
from tests.support.auth import TEST_PASSWORD, bearer

FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261202"))
FUZZ_MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
# Schema-valid requests the server may still refuse, and why no schema can say otherwise.
# Schemathesis' defaults: success, 401, 403, 404, 409, 429 and 5xx (which not_a_server_error
# catches). Added: 412, since If-Match may name any version and only the server knows the current
# one (RFC 9110, 13.1.1).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]
# 422 too, where a well-formed value names something that does not exist: a `cursor` is opaque
# (only one the API returned names a position), an order line's `product_id` may name no product,
# and an order read cannot wait for `min_version` `as_of` a past moment (both are optional); a
# mailed token is well-formed text that only a mail of ours carries (422 invalid-account-token,
# invalid-invitation-token), and so is a social sign-in's one-time code (invalid-exchange-code);
# a new account's password may be its email or a common password, which only the policy can tell.
REFUSES_WELL_FORMED_VALUES = (
    "register",
    "resetPassword",
    "verifyEmail",
    "listProducts",
    "listUsers",
    "listOrders",
    "listAuditEntries",
    "placeOrder",
    "getOrder",
    "listOrganisations",
    "listOrganisationMembers",
    "listOrganisationInvitations",
    "acceptOrganisationInvitation",
    "declineOrganisationInvitation",
    "exchangeSignInCode",
)
# No example in the document uses this address, so generated sign-ins never aim at it.
ADMIN_EMAIL = "fuzz-admin@portico.test"


# The app is built at import (cheap: nothing connects until it starts) because collection needs
# its operations; `admin_authorization` prepares its database before the first request starts it.
FOLDER = Path(tempfile.mkdtemp(prefix="portico-fuzz-"))
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
SETTINGS = Settings(
    environment="test",
    persistence="sql",
    database=DatabaseSettings(url=f"sqlite+aiosqlite:///{FOLDER}/fuzz.db"),
    logging=LoggingSettings(format="json", level="WARNING"),
    # The address limit would answer 429 to every auth operation after the first twenty
    # requests, so which operations were really fuzzed would depend on the order tests ran in.
    auth=AuthSettings(
        dev_key_file=str(FOLDER / "dev-signing-key.json"), rate_limit_per_minute=1_000_000
    ),
    passwords=FAST_PASSWORDS,
)
CONTAINER = build_container(SETTINGS)
APP = create_app(CONTAINER)

# Listed from the document alone, one test each: schemathesis builds an operation's cases (its
# examples and coverage phases; with the database's migration ~3 s of CPU for all) as that test
# runs, in the worker that runs it, not in every xdist worker's collection (bench/README.md).
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
OPERATIONS = {
    f"{method.upper()} {path}": operation["operationId"]
    for path, item in APP.openapi_schema.to_schema()["paths"].items()
    for method, operation in item.items()
    if method in METHODS
}


@functools.cache
def admin_authorization() -> str:
    """Migrate the database and create the administrator, once, as an operator does (`portico db
    upgrade`, then what `portico users create-admin` runs); then an Authorization header for it,
    issued directly: the fuzzer's failed sign-ins cannot lock it out. Schemathesis asks for it
    as it builds an operation's cases (its explicit examples carry the header), inside a test but
    out of reach of fixtures."""
    command.upgrade(alembic_config(SETTINGS.database.url), "head")
    admin_id = asyncio.run(_create_admin())
    return bearer(CONTAINER, admin_id, "admin")["Authorization"]


class AdminToken:
    """Schemathesis signs every request in as the admin, except those where it tests that the
    token is required. A token issued directly: the fuzzer's failed sign-ins cannot lock it out."""

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        return admin_authorization()

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


async def _create_admin() -> str:
    """As `portico users create-admin` does: its own container, closed when done."""
    container = build_container(SETTINGS)
    try:
        view = await container.identity.register_user()(
            RegisterUser(email=ADMIN_EMAIL, password=TEST_PASSWORD, roles=frozenset({Role.ADMIN}))
        )
    finally:
        await close_container(container)
    return str(view.id)


@pytest.fixture(scope="module")
def served() -> Iterator[None]:
    yield
    shutdown_lifespans()  # the app, started by the first request


@pytest.fixture(scope="module")
def fuzzed_schema() -> BaseSchema:
    """The document with the seed, the budget and the checks, read by schemathesis' lazy loader."""
    schema = schemathesis.openapi.from_dict(
        APP.openapi_schema.to_schema(),
        config=schemathesis.Config.from_dict(
            {
                "seed": FUZZ_SEED,
                # No example database: what runs depends on the seed alone, not on past runs.
                "generation": {"max-examples": FUZZ_MAX_EXAMPLES, "database": "none"},
                "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
                "operations": [
                    {
                        "include-operation-id": operation_id,
                        "checks": {
                            "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}
                        },
                    }
                    for operation_id in REFUSES_WELL_FORMED_VALUES
                ],
            }
        ),
    )
    schema.app = APP
    schema.auth()(AdminToken)
    # The loader clones this schema for each test, and a clone keeps the constants it extracts
    # from the app's modules (~0.1 s of CPU) to itself: extracted here, once, the clones share them.
    next(iter(schema.get_all_operations())).ok().as_strategy()
    return schema


def call_and_validate(case: schemathesis.Case) -> None:
    case.call_and_validate()


@pytest.mark.parametrize("operation_id", OPERATIONS.values(), ids=OPERATIONS.keys())
@pytest.mark.usefixtures("served")
def test_the_server_does_what_its_openapi_says(
    operation_id: str, request: pytest.FixtureRequest
) -> None:
    # The lazy loader's test of one operation, run here: its cases are built now. It names the
    # operation's report by `_nodeid`, which pytest 9.2's items no longer have (they keep `_id`).
    request.node._nodeid = request.node.nodeid
    fuzz = schemathesis.pytest.from_fixture("fuzzed_schema").include(operation_id=operation_id)
    fuzz.parametrize()(call_and_validate)(request=request)
