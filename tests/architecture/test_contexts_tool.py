"""tools/contexts.py: removing a context (its folders, line, docs, ports, benchmarks) and cutting
its tables out of a migration history. test_remove_context checks the whole on this tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.contexts import _drop_make_targets, main, prune_migrations, remove_context


def _migration(revision: str, parent: str | None, upgrade: str, downgrade: str) -> str:
    parent_value = "None" if parent is None else f'"{parent}"'
    return (
        f'"""r{revision}\n\nRevision ID: {revision}\nRevises: {parent or ""}\n"""\n\n'
        "from collections.abc import Sequence\n\n"
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        "from adapters.persistence.sql.types import UtcDateTime\n\n"
        f'revision: str = "{revision}"\n'
        f"down_revision: str | Sequence[str] | None = {parent_value}\n\n\n"
        f"def upgrade() -> None:\n{upgrade}\n\n"
        f"def downgrade() -> None:\n{downgrade}"
    )


def test_pruned_tables_leave_the_history_and_an_emptied_revision_goes(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_products.py").write_text(
        _migration(
            "0001",
            None,
            '    op.create_table("products", sa.Column("id", sa.Uuid()))\n'
            '    op.create_index(op.f("ix_products_x"), "products", ["x"])\n',
            '    op.drop_index(op.f("ix_products_x"), table_name="products")\n'
            '    op.drop_table("products")\n',
        )
    )
    (versions / "0002_users_and_orders.py").write_text(
        _migration(
            "0002",
            "0001",
            '    op.create_table("users", sa.Column("id", sa.Uuid()))\n'
            '    head = op.create_table("orders", sa.Column("at", UtcDateTime()))\n'
            '    op.bulk_insert(head, [{"at": None}])\n',
            '    op.drop_table("orders")\n    op.drop_table("users")\n',
        )
    )

    deleted = prune_migrations(tmp_path, {"products", "orders"})

    assert deleted == [Path("migrations/versions/0001_products.py")]
    kept = (versions / "0002_users_and_orders.py").read_text()
    assert "down_revision: str | Sequence[str] | None = None\n" in kept
    assert "Revises:\n" in kept
    assert "orders" not in kept.split('"""', 2)[2]
    assert '"users"' in kept
    assert "UtcDateTime" not in kept  # only the orders table used it
    compile(kept, "0002", "exec")
    assert prune_migrations(tmp_path, {"products", "orders"}) == []
    assert (versions / "0002_users_and_orders.py").read_text() == kept


def test_batch_alterations_and_updates_through_a_table_go_with_their_table(
    tmp_path: Path,
) -> None:
    # A data migration: `with op.batch_alter_table("T")` and op.execute on a module-level
    # sa.table("T") name T, so they go with it; a revision left with nothing goes.
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_users.py").write_text(
        _migration("0001", None, '    op.create_table("users")\n', '    op.drop_table("users")\n')
    )
    script = _migration(
        "0002",
        "0001",
        '    with op.batch_alter_table("products") as batch:\n'
        '        batch.add_column(sa.Column("org", sa.Uuid()))\n'
        "    op.execute(products.update().values(org=None))\n",
        '    with op.batch_alter_table("products") as batch:\n        batch.drop_column("org")\n',
    ).replace(
        "\n\n\ndef upgrade", '\nproducts = sa.table("products", sa.column("org"))\n\n\ndef upgrade'
    )
    (versions / "0002_products_org.py").write_text(script)
    kept_users = _migration(
        "0003",
        "0002",
        '    with op.batch_alter_table("users") as batch:\n'
        '        batch.add_column(sa.Column("x", sa.Uuid()))\n'
        "    op.execute(products.update().values(org=None))\n",
        "    pass\n",
    ).replace(
        "\n\n\ndef upgrade", '\nproducts = sa.table("products", sa.column("org"))\n\n\ndef upgrade'
    )
    (versions / "0003_users_x.py").write_text(kept_users)

    deleted = prune_migrations(tmp_path, {"products"})

    assert deleted == [Path("migrations/versions/0002_products_org.py")]
    kept = (versions / "0003_users_x.py").read_text()
    assert 'batch_alter_table("users")' in kept
    assert "op.execute" not in kept  # it updated the products table
    assert 'down_revision: str | Sequence[str] | None = "0001"' in kept


def test_a_statement_naming_a_pruned_table_in_an_unknown_way_stops_the_prune(
    tmp_path: Path,
) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    script = _migration(
        "0001",
        None,
        '    op.execute("DROP VIEW x")\n    op.rename_table("orders", "o")\n',
        "    pass\n",
    )
    (versions / "0001_x.py").write_text(script)
    with pytest.raises(ValueError, match="cannot tell which table"):
        prune_migrations(tmp_path, {"orders"})
    assert (versions / "0001_x.py").read_text() == script


def test_removing_a_context_drops_its_ports_benchmarks_and_make_targets(tmp_path: Path) -> None:
    for folder in ("src/domain/ordering", "tests/unit/ordering", "docs", "bench"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "docs/ordering.md").write_text("# ordering\n")
    modules = tmp_path / "src/entrypoints/modules.py"
    modules.parent.mkdir(parents=True)
    modules.write_text('CONTEXTS = (\n    "catalog",\n    "ordering",\n)\n')
    (tmp_path / "bench/orders.py").write_text('URL = "/api/v1/orders"\n')
    (tmp_path / "bench/hello.py").write_text("HELLO = 1\n")
    (tmp_path / "pyproject.toml").write_text(
        "ports = [\n    # Ordering reads the catalog.\n"
        '    "adapters.ordering.sql -> adapters.catalog.sql",\n'
        ']\nkeep = [\n    # A note.\n    "adapters.catalog.sql",\n]\n'
    )
    (tmp_path / "Makefile").write_text(
        ".PHONY: help bench-orders clean\n\nhelp:  ## list\n\techo\n\n"
        "bench-orders: install  ## orders\n\tpython bench/orders.py\n\n"
        "clean:  ## rm\n\trm -rf var\n"
    )

    removal = remove_context(tmp_path, "ordering")

    assert set(removal.deleted) == {
        Path("src/domain/ordering"),
        Path("tests/unit/ordering"),
        Path("docs/ordering.md"),
        Path("bench/orders.py"),
    }
    assert modules.read_text() == 'CONTEXTS = (\n    "catalog",\n)\n'
    assert (tmp_path / "pyproject.toml").read_text() == (
        'ports = [\n]\nkeep = [\n    # A note.\n    "adapters.catalog.sql",\n]\n'
    )
    assert (tmp_path / "Makefile").read_text() == (
        ".PHONY: help clean\n\nhelp:  ## list\n\techo\n\nclean:  ## rm\n\trm -rf var\n"
    )
    assert (tmp_path / "bench/hello.py").exists()
    again = remove_context(tmp_path, "ordering")
    assert again.deleted == []
    assert again.edited == []


def test_a_dropped_target_leaves_what_follows_it_and_its_namesakes() -> None:
    # The lines after a recipe (an adapter block's end, a variable) belong to what follows; a
    # .PHONY name that only starts with the dropped one (bench-identity after bench) stays.
    # Spelled apart: the template's tag scanner and its tests read this file.
    end = "# [" + "adapter:redis end]"
    makefile = (
        ".PHONY: bench bench-identity\n\n"
        f"bench:  ## b\n\tpython bench/run.py\n\n{end}\nSOAK ?= 1\n"
        "bench-identity:  ## i\n\tpython bench/identity.py\n"
    )

    assert _drop_make_targets(makefile, ["run.py"]) == (
        f".PHONY: bench-identity\n\n\n{end}\nSOAK ?= 1\n\n"
        "bench-identity:  ## i\n\tpython bench/identity.py\n"
    )


def test_the_command_removes_a_context_and_points_at_the_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "src/domain/audit").mkdir(parents=True)
    modules = tmp_path / "src/entrypoints/modules.py"
    modules.parent.mkdir(parents=True)
    modules.write_text('CONTEXTS = (\n    "audit",\n)\n')
    monkeypatch.chdir(tmp_path)

    assert main(["audit"]) == 0

    assert not (tmp_path / "src/domain/audit").exists()
    assert modules.read_text() == "CONTEXTS = (\n)\n"
    out = capsys.readouterr().out
    assert "audit: deleted src/domain/audit\n" in out
    assert "audit: edited src/entrypoints/modules.py\n" in out
    assert "db revision --autogenerate" in out
