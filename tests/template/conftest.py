"""The `copier update` test makes two template versions and a project, and runs the project's
checks: minutes that `make test` cannot spend within CI's 30-minute budget. It is collected only
with PORTICO_TEMPLATE_UPDATE=1, which `make template-update` sets (run it before a release)."""

from __future__ import annotations

import os

collect_ignore = (
    [] if os.environ.get("PORTICO_TEMPLATE_UPDATE") == "1" else ["test_copier_update.py"]
)
