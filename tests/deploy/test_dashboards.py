"""The Grafana dashboard and the Prometheus alerts watch series that exist: every `portico_*`
name they query is one the API or the worker exports (a renamed metric fails here, not on a
blank panel in production)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from entrypoints.metrics.api import ApiMetrics
from entrypoints.metrics.dependencies import DependencyMetrics
from entrypoints.metrics.messaging import _series
from entrypoints.metrics.projections import lag_series

ROOT = Path(__file__).parents[2]
DASHBOARD: dict[str, Any] = json.loads((ROOT / "deploy/grafana/dashboard.json").read_text())
ALERTS: dict[str, Any] = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
ALERT_TESTS: dict[str, Any] = yaml.safe_load(
    (ROOT / "deploy/prometheus/alerts_test.yml").read_text()
)
_NAME = re.compile(r"\bportico_[a-z_]+")
_SUFFIXES = ("_total", "_bucket", "_count", "_sum")


def exported() -> set[str]:
    """The families the API and the worker export, by their base name."""
    api = {family.name for family in ApiMetrics().registry.collect()}
    api |= {family.name for family in DependencyMetrics().registry.collect()}
    worker_stats = {
        "outbox_backlog": 0,
        "outbox_oldest_age": 0.0,
        "relay": {"published": 0, "failures": 0},
        "consumers": {
            "audit": {
                "delivered": 0,
                "applied": 0,
                "skipped": 0,
                "failed": 0,
                "dead_lettered": 0,
                "lag": {"c": 0},
            }
        },
    }
    worker = {family.name for family in _series(worker_stats)} | {lag_series({}).name}
    return api | worker


def queried(expressions: list[str]) -> set[str]:
    names = set()
    for expression in expressions:
        for name in _NAME.findall(expression):
            for suffix in _SUFFIXES:
                name = name.removesuffix(suffix)
            names.add(name)
    return names


def test_every_dashboard_panel_queries_exported_series() -> None:
    expressions = [t["expr"] for p in DASHBOARD["panels"] for t in p["targets"]]
    assert expressions
    assert queried(expressions) <= exported()
    # Every family has a panel, so a new metric gets one too.
    assert exported() - {"portico_consumer_delivered", "portico_consumer_skipped"} <= queried(
        expressions
    )


def test_every_alert_queries_exported_series() -> None:
    rules = [rule for group in ALERTS["groups"] for rule in group["rules"]]
    assert rules
    assert queried([rule["expr"] for rule in rules]) <= exported()


def test_every_alert_has_a_promtool_test_that_fires_it_and_one_that_keeps_it_quiet() -> None:
    """promtool runs them (`make rules`); this checks that none is missing."""
    alerts = {rule["alert"] for group in ALERTS["groups"] for rule in group["rules"]}
    checks = [check for test in ALERT_TESTS["tests"] for check in test["alert_rule_test"]]
    fired = {check["alertname"] for check in checks if check["exp_alerts"]}
    quiet = {check["alertname"] for check in checks if not check["exp_alerts"]}
    assert fired == alerts
    assert quiet == alerts


def test_the_dashboard_is_importable() -> None:
    assert DASHBOARD["uid"] == "portico-overview"
    ids = [panel["id"] for panel in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids))
    for panel in DASHBOARD["panels"]:  # the Prometheus chosen at import, not a fixed uid
        assert panel["datasource"]["uid"] == "${datasource}"
    assert DASHBOARD["templating"]["list"][0]["type"] == "datasource"
