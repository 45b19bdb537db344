"""The next Alembic revision: on top of the one head of migrations/versions (a linear history)."""

from __future__ import annotations

import re
from pathlib import Path

from entrypoints.cli.scaffold.errors import ScaffoldError

# Either quote: ours write "0001", Alembic's autogenerate template writes repr(), 'ab12cd34ef56'.
_REVISION = re.compile(r"""^revision: str = ["']([^"']+)["']""", re.MULTILINE)
_DOWN = re.compile(r"^down_revision: [^=]+= (.+)$", re.MULTILINE)


def next_revision(versions: Path) -> tuple[str, str | None]:
    """(new revision id, current head): ids count up from 0001 as the existing ones do."""
    revisions: dict[str, str | None] = {}
    for script in sorted(versions.glob("*.py")):
        text = script.read_text()
        found, down = _REVISION.search(text), _DOWN.search(text)
        if found is None or down is None:
            raise ScaffoldError(f"{script} does not say its revision and down_revision")
        revisions[found[1]] = down[1].strip().strip("\"'") if down[1].strip() != "None" else None
    heads = set(revisions) - {down for down in revisions.values() if down}
    if len(heads) > 1:
        several = ", ".join(sorted(heads))
        raise ScaffoldError(f"migrations have several heads ({several}): merge them first")
    head = next(iter(heads), None)
    numbers = [int(r) for r in revisions if r.isdigit()]
    width = max((len(r) for r in revisions if r.isdigit()), default=4)
    return str(max(numbers, default=0) + 1).zfill(width), head
