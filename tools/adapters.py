"""Removing an optional adapter from a tree, said once (the template's `adapters` question).

An adapter is what one setting value switches on (PORTICO_NOTIFIER=webhook, PORTICO_BUS=nats...),
or a database URL's scheme (mysql://: MariaDB, postgresql://: PostgreSQL).
Removing it is, for every adapter alike:

- deleting its own files and folders (`Adapter.paths`: its adapter modules, the tests and test
  servers of it alone, its deploy files);
- deleting every line tagged `[adapter:NAME]`, and every block of lines between
  `[adapter:NAME begin]` and `[adapter:NAME end]`, in any text file. The tag sits in a comment of
  its own at the end of the line (`# [adapter:nats]`, `<!-- [adapter:nats] -->`), so one tag
  works in Python, TOML, YAML, Makefiles, .env files and Markdown. A line that needs several
  adapters names them all (`# [adapter:nats,postgresql]`) and goes when any goes. The tags
  mark, where they are, each such adapter's entry in the one place adapters are chosen (the
  Selector tables of entrypoints/platform/container.py and friends), its setting values and
  settings, its README config rows, .env.example lines and docs paragraphs, its pyproject.toml
  dependencies, its compose.yaml service and its CI steps;
- then re-locking (`uv lock`), since pyproject.toml may have lost dependencies.

The tags of the adapters kept are stripped (their lines stay), so a generated project has none.
Standard library only: it runs under the Python that runs Copier. tools/make_it_yours.py uses
it; a generated project does not keep it (the tags it relies on are gone).
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Adapter:
    name: str  # the answer's value, and the NAME of its tags
    help: str  # what it is, for the question and the docs
    # The setting and value that choose it (a value ending in "://" is a URL scheme), and the
    # settings only it reads: all gone with it.
    selects: tuple[str, str]
    variables: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()  # files and folders that are its own, deleted with it
    dependencies: tuple[str, ...] = ()  # distributions only it needs (tagged in pyproject.toml)
    requires: tuple[str, ...] = ()  # adapters it builds on: keeping it means keeping them


ADAPTERS = (
    Adapter(
        "webhook",
        "customer notifications as signed JSON posted to a URL",
        selects=("PORTICO_NOTIFIER", "webhook"),
        variables=(
            "PORTICO_NOTIFIER_WEBHOOK_URL",
            "PORTICO_NOTIFIER_WEBHOOK_SECRET",
            "PORTICO_NOTIFIER_TIMEOUT",
        ),
        paths=(
            "src/adapters/notifications/webhook.py",
            "tests/support/webhook_receiver.py",
            "tests/api/ordering/test_order_notifications.py",
            "tests/api/ordering/test_tracing.py",
            "tests/e2e/ordering/test_behind_haproxy.py",
        ),
    ),
    Adapter(
        "http-payments",
        "a payment provider's REST API (ordering), with retries",
        selects=("PORTICO_PAYMENTS", "http"),
        variables=(
            "PORTICO_PAYMENT_PROVIDER_URL",
            "PORTICO_PAYMENT_API_KEY",
            "PORTICO_PAYMENT_TIMEOUT",
            "PORTICO_PAYMENT_ATTEMPTS",
        ),
        paths=(
            "src/adapters/ordering/payments/http.py",
            "tests/support/ordering/payment_provider.py",
            "tests/contract/ordering/test_http_payment_faults.py",
            "tests/contract/ordering/test_payment_breaker.py",
            "tests/api/ordering/test_payment_breaker.py",
            "tests/api/ordering/test_payment_metrics.py",
        ),
    ),
    Adapter(
        "nats",
        "NATS JetStream as the message bus, shared by every process",
        selects=("PORTICO_BUS", "nats"),
        variables=("PORTICO_NATS_URL", "PORTICO_NATS_NAMESPACE", "PORTICO_NATS_REPLICAS"),
        paths=(
            "src/adapters/messaging/nats.py",
            "src/adapters/messaging/nats_delivery.py",
            "src/adapters/messaging/nats_listener.py",
            "src/adapters/messaging/nats_pull.py",
            "src/adapters/messaging/nats_streams.py",
            "tests/support/nats.py",
            "tests/support/nats_cluster.py",
            "tests/contract/test_nats_listeners.py",
            "tests/contract/test_nats_concurrent_handling.py",
            "tests/api/catalog/test_messaging_health.py",
            "tests/api/ordering/test_tracing.py",
            # The multi-process scenarios: events between processes need a shared bus.
            "tests/e2e/catalog/test_cache_across_instances.py",
            "tests/e2e/catalog/test_messaging_faults.py",
            "tests/e2e/catalog/test_metrics_prometheus.py",
            "tests/e2e/catalog/test_worker_database_outage.py",
            "tests/e2e/ordering/test_behind_haproxy.py",
            "tests/e2e/ordering/test_nats_cluster.py",
            "tests/e2e/ordering/test_ordering_e2e.py",
            "tests/e2e/ordering/test_soak.py",
            "tests/e2e/ordering/test_traces_e2e.py",
            "bench/cache_invalidation.py",
            "bench/messaging.py",
            "bench/memory.py",
            "bench/soak.py",
            "bench/worker_drain.py",
            # The AsyncAPI document describes the events other services read on the bus.
            "tools/asyncapi.py",
            "docs/api/asyncapi.json",
            "tests/architecture/asyncapi-3.0.0.schema.json",
        ),
        dependencies=("nats-py",),
    ),
    Adapter(
        "mariadb",
        "MariaDB or MySQL as the SQL database (SQLite always stays)",
        # A URL scheme, not a setting value, picks an engine (adapters/persistence/sql/engine.py).
        selects=("PORTICO_DATABASE_URL", "mysql://"),
        paths=("tests/support/mariadb.py",),
        dependencies=("asyncmy",),
    ),
    Adapter(
        "oidc",
        "access tokens of an external OpenID Connect provider, checked against its JWKS",
        selects=("PORTICO_AUTH", "oidc"),
        variables=(
            "PORTICO_AUTH_OIDC_ISSUER",
            "PORTICO_AUTH_OIDC_AUDIENCE",
            "PORTICO_AUTH_OIDC_ROLES_CLAIM",
            "PORTICO_AUTH_OIDC_JWKS_TTL",
            "PORTICO_AUTH_OIDC_TIMEOUT",
        ),
        # Social sign-in stays without it: its ID tokens are checked by provider_tokens.py, and
        # its loopback provider (tests/support/oidc_provider.py) and tools/oidc/ are its own too.
        paths=("src/adapters/identity/oidc.py", "tests/api/catalog/test_oidc_mode.py"),
    ),
    Adapter(
        "postgresql",
        "PostgreSQL as the SQL database, LISTEN/NOTIFY waking every process (SQLite always stays)",
        # A URL scheme, as for mariadb (adapters/persistence/sql/engine.py).
        selects=("PORTICO_DATABASE_URL", "postgresql://"),
        variables=("PORTICO_POSTGRES_ROW_SECURITY",),
        paths=(
            # LISTEN/NOTIFY: the wake-up between processes (announce and PostgresDoorbell).
            "src/adapters/persistence/sql/notify.py",
            # The query sides on the driver's own calls (products, an order), and their tests.
            "src/adapters/catalog/postgres.py",
            "src/adapters/ordering/postgres.py",
            "src/adapters/persistence/sql/driver_sql.py",
            "tests/contract/catalog/test_postgres_reader.py",
            "tests/contract/catalog/test_create_on_driver.py",
            "tests/contract/ordering/test_postgres_details.py",
            "tests/api/catalog/test_tracing_postgres.py",
            # Row-level security, the second guard of tenants, and its tests.
            "src/adapters/persistence/sql/row_security.py",
            "tests/contract/catalog/test_row_security.py",
            "tests/contract/ordering/test_row_security.py",
            "tests/e2e/ordering/test_row_security_e2e.py",
            "tests/contract/audit/test_row_security.py",
            "tests/migrations/test_row_security.py",
            "tests/support/row_security.py",
            "tests/support/postgres.py",
            "tests/contract/catalog/test_wakeup.py",
            "tests/contract/ordering/test_projector_on_postgresql.py",
            "tests/contract/test_housekeeping_bounded.py",
            "tests/contract/test_pool_metrics.py",
            "tests/migrations/test_history.py",
            "tests/api/catalog/test_read_replica.py",
            # The e2e scenarios of several processes on one server database.
            "tests/e2e/catalog/test_cache_across_instances.py",
            "tests/e2e/catalog/test_database_outage_serve.py",
            "tests/e2e/catalog/test_metrics_prometheus.py",
            "tests/e2e/catalog/test_worker_database_outage.py",
            "tests/e2e/ordering/test_behind_haproxy.py",
            "tests/e2e/ordering/test_idempotency_after_crash.py",
            "tests/e2e/ordering/test_nats_cluster.py",
            "tests/e2e/ordering/test_ordering_e2e.py",
            "tests/e2e/ordering/test_soak.py",
            "tests/e2e/ordering/test_traces_e2e.py",
            # The benchmarks run on PostgreSQL (bench/floor.py is raw asyncpg).
            "bench/bare_request.py",
            "bench/cache_invalidation.py",
            "bench/compare.py",
            "bench/consumers.py",
            "bench/create_request.py",
            "bench/engines.py",
            "bench/event_store.py",
            "bench/floor.py",
            "bench/query_side.py",
            "bench/gc_pause.py",
            "bench/worker_drain.py",
            "bench/idle.py",
            "bench/orders.py",
            "bench/place_order.py",
            "bench/row_security.py",
            "bench/run.py",
            "bench/memory.py",
            "bench/soak.py",
            "bench/stores.py",
            "bench/stores_http.py",
            "bench/tracing.py",
            "bench/write_path.py",
            # The one-host stack of many processes around a PostgreSQL service, and its secrets.
            "compose.yaml",
            "deploy/make-secrets.sh",
            "tests/deploy/test_compose.py",
        ),
        dependencies=("asyncpg", "opentelemetry-instrumentation-asyncpg"),
    ),
    Adapter(
        "redis",
        "Redis: the shared cache, shared sign-in limits and sign-ins under way, and a store",
        # PORTICO_CACHE=redis; PORTICO_PERSISTENCE=redis is the same server's store (one adapter:
        # docs/template.md says why).
        selects=("PORTICO_CACHE", "redis"),
        variables=(
            "PORTICO_REDIS_URL",
            "PORTICO_REDIS_POOL_SIZE",
            "PORTICO_REDIS_TIMEOUT_MS",
            "PORTICO_REDIS_STORE_PREFIX",
            "PORTICO_REDIS_STORE_TIMEOUT_MS",
            "PORTICO_REDIS_REQUIRE_AOF",
            "PORTICO_CACHE_BREAKER_FAILURES",
            "PORTICO_CACHE_BREAKER_RESET_MS",
        ),
        paths=(
            "src/adapters/cache/redis.py",
            "src/adapters/cache/redis_client.py",
            "src/adapters/persistence/redis",
            "src/adapters/audit/redis.py",
            "src/adapters/catalog/redis.py",
            "src/adapters/identity/redis.py",
            "src/adapters/identity/redis_account_tokens.py",
            "src/adapters/identity/redis_linked.py",
            "src/adapters/identity/redis_second_factors.py",
            "src/adapters/identity/redis_sessions.py",
            "src/adapters/identity/redis_tokens.py",
            "src/adapters/identity/redis_pending_sign_ins.py",
            "src/entrypoints/http/security/redis_rate_limit_store.py",
            "src/entrypoints/platform/redis.py",
            "src/entrypoints/identity/redis.py",
            "tests/support/redis.py",
            "tests/support/redis_sentinel.py",
            "tests/contract/test_redis_cache_outages.py",
            "tests/contract/test_redis_pool.py",
            "tests/contract/test_redis_sentinel.py",
            "tests/contract/catalog/test_redis_store.py",
            "tests/contract/identity/test_redis_identity.py",
            "tests/api/identity/test_shared_rate_limits.py",
            "tests/e2e/catalog/test_redis_outage.py",
            # The production-like scenarios: PostgreSQL, Redis and NATS, several processes.
            "tests/e2e/ordering/test_behind_haproxy.py",
            "tests/e2e/ordering/test_ordering_e2e.py",
            "tests/e2e/ordering/test_soak.py",
            "bench/memory.py",
            "bench/soak.py",
            "bench/stores.py",
            "bench/stores_http.py",
        ),
        dependencies=("redis", "opentelemetry-instrumentation-redis"),
    ),
)
BY_NAME = {adapter.name: adapter for adapter in ADAPTERS}
# Files that need any one of several adapters: they go when the last of them goes (a tag or
# `paths` says "when this one goes"). The catalog's outage tests stop a private server of either
# engine; with neither, their parameter set would be empty and pytest would report them skipped.
WHEN_ALL_GONE = {
    ("mariadb", "postgresql"): ("tests/api/catalog/test_database_outages.py",),
}
NAMES = tuple(BY_NAME)

# Not ours to edit: other tools' folders, and binary or generated files.
SKIP_DIRS = {".git", ".venv", ".tools", "__pycache__", "var", ".mypy_cache", ".ruff_cache"}
SKIP_DIRS |= {"node_modules", ".pytest_cache", ".hypothesis", ".import_linter_cache"}
# These describe the tags themselves, and belong to the template only.
SELF = {Path("tools/adapters.py"), Path("tools/make_it_yours.py"), Path("docs/template.md")}
# The template's tests of itself name the tags too (never copied into a project: copier.yml).
SELF |= {Path("tests/template/test_make_it_yours.py"), Path("tests/template/test_copier_copy.py")}

_NAME = r"[a-z][a-z0-9-]*"
# A line may need several adapters (`[adapter:nats,postgresql]`): it goes when any of them goes.
_NAMES = rf"{_NAME}(?:,{_NAME})*"
_TAG = re.compile(rf"\[adapter:({_NAMES})\]")
_BEGIN = re.compile(rf"\[adapter:({_NAME}) begin\]")
_END = re.compile(rf"\[adapter:({_NAME}) end\]")
# A tag comment at the end of a line: what is stripped from the lines of a kept adapter.
_TRAILING = re.compile(rf"[ \t]*(?:#|<!--)[ \t]*\[adapter:{_NAMES}\][ \t]*(?:-->)?[ \t]*$")


# A CI job's `services:` whose every server was an adapter that went: a key with nothing under it
# (null, which the workflow schema refuses) goes too. No tag can say "when all of them go".
_EMPTIED_SERVICES = re.compile(r"(?m)^([ \t]*)services:[ \t]*\n(?=\1[^ \t\n])")


class AdapterError(ValueError):
    """A bad answer or a malformed tag: one line saying what is wrong."""


def check_adapters(answer: Iterable[str]) -> tuple[str, ...]:
    """The adapters kept, in ADAPTERS order; refuses an unknown one or a missing requirement."""
    kept = {name.strip() for name in answer if name.strip()}
    unknown = sorted(kept - set(NAMES))
    if unknown:
        raise AdapterError(f"unknown adapter {unknown[0]!r}: choose among {', '.join(NAMES)}")
    for name in sorted(kept):
        for needed in BY_NAME[name].requires:
            if needed not in kept:
                raise AdapterError(f"{name} needs {needed}: keep {needed} too, or neither")
    return tuple(name for name in NAMES if name in kept)


def _text_files(root: Path) -> Iterable[tuple[Path, str]]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if set(relative.parts) & SKIP_DIRS or relative in SELF or not path.is_file():
            continue
        if path.suffix == ".lock" or path.is_symlink():
            continue
        try:
            yield path, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def untag(text: str, gone: set[str], where: str = "") -> str:
    """Drop the lines and blocks tagged with an adapter in `gone`; strip the others' tags."""
    out: list[str] = []
    inside: str | None = None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        begin, end = _BEGIN.search(line), _END.search(line)
        if begin is not None:
            if inside is not None:
                raise AdapterError(f"{where}:{number}: a block inside the block of {inside}")
            inside = begin.group(1)
            continue
        if end is not None:
            if inside != end.group(1):
                raise AdapterError(f"{where}:{number}: an end without its begin")
            inside = None
            continue
        if inside is not None and inside in gone:
            continue
        tag = _TAG.search(line)
        if tag is not None:
            if set(tag.group(1).split(",")) & gone:
                continue
            ending = "\n" if line.endswith("\n") else ""
            line = _TRAILING.sub("", line.rstrip("\n")) + ending
        out.append(line)
    if inside is not None:
        raise AdapterError(f"{where}: the block of {inside} has no end")
    return "".join(out)


def tags_in(text: str) -> set[str]:
    found = re.finditer(rf"\[adapter:({_NAMES})(?: begin| end)?\]", text)
    return {name for match in found for name in match.group(1).split(",")}


def remove_adapters(root: Path, kept: Iterable[str]) -> list[Path]:
    """Remove every adapter not in `kept` from the tree at `root`, strip the kept ones' tags.
    Returns the text files edited (relative). What is already gone is skipped."""
    gone = {name for name in NAMES if name not in set(kept)}
    owned = [relative for name in sorted(gone) for relative in BY_NAME[name].paths]
    owned += [
        path for group, paths in WHEN_ALL_GONE.items() if gone >= set(group) for path in paths
    ]
    for relative in owned:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    edited = []
    for path, text in _text_files(root):
        found = tags_in(text)
        if not found:
            continue
        unknown = found - set(NAMES)
        if unknown:
            raise AdapterError(f"{path.relative_to(root)}: unknown adapter tag {min(unknown)}")
        new = untag(text, gone, str(path.relative_to(root)))
        if path.suffix in (".yml", ".yaml"):
            new = _EMPTIED_SERVICES.sub("", new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            edited.append(path.relative_to(root))
    return edited


# One initial migration ------------------------------------------------------------------------


def squash_migrations(root: Path, revision: str = "0001", own: Iterable[Path] = ()) -> Path | None:
    """Make migrations/versions one revision, `revision`, doing what the whole chain did: each
    revision's upgrade body in order, each downgrade body in reverse, the imports and module
    constants of all. A generated project has never been deployed, so it starts from one
    migration for what it kept. Returns the new file (None: nothing to squash).

    `own`: the project's own files, left alone. On `copier update` the template's revisions come
    back over the project's squashed one (and its own revisions on top): they are squashed into
    it again, so it stays what the new template version makes."""
    versions = root / "migrations" / "versions"
    skip = {root / path for path in own}
    scripts = {
        path: path.read_text(encoding="utf-8")
        for path in sorted(versions.glob("*.py"))
        if path not in skip
    }
    if len(scripts) < 2:
        return None
    chain = _chain(scripts)
    imports: list[str] = []
    constants: dict[str, str] = {}
    ups: list[str] = []
    downs: list[str] = []
    for path in chain:
        text = scripts[path]
        lines = text.splitlines(keepends=True)
        for node in ast.parse(text).body:
            source = "".join(lines[node.lineno - 1 : node.end_lineno])
            if isinstance(node, ast.Import | ast.ImportFrom):
                if source not in imports:
                    imports.append(source)
            elif isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade"):
                # From the line after `def ...:` (comments included), past a docstring.
                start = node.body[0].end_lineno if _is_docstring(node.body[0]) else node.lineno
                body = "".join(lines[start or node.lineno : node.end_lineno])
                (ups if node.name == "upgrade" else downs).append(body)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.FunctionDef):
                # Module constants and helper functions (0016's payload reader) are carried over.
                if isinstance(node, ast.FunctionDef):
                    name = node.name
                    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                    source = "\n\n" + "".join(lines[first - 1 : node.end_lineno])
                else:
                    target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                    name = target.id if isinstance(target, ast.Name) else ""
                if name in ("revision", "down_revision", "branch_labels", "depends_on"):
                    continue
                if name in constants and constants[name] != source:
                    raise AdapterError(f"{path.name}: {name} is defined twice, differently")
                constants[name] = source
            elif not (isinstance(node, ast.Expr) and _is_docstring(node)):
                raise AdapterError(f"{path.name}:{node.lineno}: cannot squash this statement")
    future = [line for line in imports if "__future__" in line]
    others = [line for line in imports if "__future__" not in line]
    text = (
        '"""The initial schema: the template\'s migration history, squashed into one.\n\n'
        f"Revision ID: {revision}\nRevises:\nCreate Date: generated\n"
        '"""\n\n'
        + "".join(future)
        + ("\n" if future else "")
        + "".join(others)
        + "\n"
        + f'revision: str = "{revision}"\n'
        "down_revision: str | Sequence[str] | None = None\n"
        "branch_labels: str | Sequence[str] | None = None\n"
        "depends_on: str | Sequence[str] | None = None\n\n"
        + "".join(constants.values())
        + "\n\ndef upgrade() -> None:\n"
        + "".join(ups)
        + "\n\ndef downgrade() -> None:\n"
        + "".join(reversed(downs))
    )
    for path in scripts:
        path.unlink()
    squashed = versions / f"{revision}_initial.py"
    squashed.write_text(text, encoding="utf-8")
    return squashed


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _chain(scripts: dict[Path, str]) -> list[Path]:
    """The scripts from base to head; refuses a history that is not one line."""
    parents: dict[str, tuple[str | None, Path]] = {}
    for path, text in scripts.items():
        values: dict[str, object] = {}
        for node in ast.parse(text).body:
            if isinstance(node, ast.AnnAssign | ast.Assign):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant):
                    values[target.id] = node.value.value
        parents[str(values["revision"])] = (
            str(values["down_revision"]) if values.get("down_revision") else None,
            path,
        )
    children = {parent or "": revision for revision, (parent, _) in parents.items()}
    if len(children) != len(parents):
        raise AdapterError("migrations/versions is not one line of revisions: cannot squash")
    chain = []
    current = children.get("")
    while current is not None:
        chain.append(parents[current][1])
        current = children.get(current)
    if len(chain) != len(parents):
        raise AdapterError("migrations/versions is not one line of revisions: cannot squash")
    return chain
