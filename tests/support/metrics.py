"""Reading Prometheus's text format in tests: every sample by name and labels."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def registry_samples(registry: CollectorRegistry | None) -> Samples:
    """What a scrape of `registry` would show."""
    assert registry is not None
    return samples(generate_latest(registry).decode())


def pool_figures(registry: CollectorRegistry, database: str = "database") -> dict[str, float]:
    """The SQL pool series of `database` (its name for the pool observer) in `registry`."""
    found = registry_samples(registry)
    named = {("database", database)}
    return {
        "in_use": found[("portico_db_pool_connections", frozenset({*named, ("state", "in_use")}))],
        "idle": found[("portico_db_pool_connections", frozenset({*named, ("state", "idle")}))],
        "overflow": found[("portico_db_pool_overflow", frozenset(named))],
        "size": found[("portico_db_pool_size", frozenset(named))],
        "waits": found.get(("portico_db_pool_waits_total", frozenset(named)), 0),
        "waited": found.get(("portico_db_pool_wait_seconds_total", frozenset(named)), 0),
    }
