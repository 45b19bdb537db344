"""PostgreSQL: a relay's claim reads the pending rows, not the sent rows a retention above 0
keeps. With statistics that say a fifth of the rows are pending, the planner guessed them spread
over the primary key and walked it from the first sent row (`ORDER BY position`): a claim read
every kept row. The claim orders as the pending index does, and its order check reads from the
first pending row on (bench/README.md, "Session 18: the outbox's aggregate index")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from adapters.persistence.sql.outbox import _claiming_unblocked
from tests.contract.conftest import sql_database

_ROWS = """
INSERT INTO outbox (event_id, type, version, aggregate_id, occurred_at, payload, sent_at,
                    organisation_id)
SELECT gen_random_uuid(), 'test.Happened', 1, gen_random_uuid(), now(), '{}',
       CASE WHEN n <= CAST(:sent AS integer) THEN now() END, '00000000-0000-0000-0000-000000000000'
FROM generate_series(1, CAST(:sent AS integer) + CAST(:pending AS integer)) AS n
"""


def _rows_read(node: dict[str, Any]) -> int:
    """The rows every node of a plan returned or dropped by its filter, summed over its loops."""
    loops = int(node.get("Actual Loops", 1))
    own = (int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))) * loops
    return own + sum(_rows_read(child) for child in node.get("Plans", []))


async def test_a_claim_reads_the_pending_rows_not_every_kept_sent_row(tmp_path: Path) -> None:
    database = await sql_database("postgresql", tmp_path)
    claim = str(
        _claiming_unblocked(100).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text(_ROWS), {"sent": 20_000, "pending": 5_000})
            await connection.execute(text("ANALYZE outbox"))
        async with database.engine.begin() as connection:
            explained = await connection.scalar(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {claim}"))
            await connection.rollback()  # the claim's row locks
        [plan] = explained if isinstance(explained, list) else json.loads(explained)

        assert plan["Plan"]["Actual Rows"] == 100  # the first hundred pending rows
        # The hundred claimed, the rows before them that SKIP LOCKED or the sort look at, the
        # order check's range: hundreds, where a walk from the first sent row reads 20,000.
        assert _rows_read(plan["Plan"]) < 2_000
    finally:
        await database.dispose()
