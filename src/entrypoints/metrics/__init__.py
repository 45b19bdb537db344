"""Prometheus metrics (docs/observability.md): what the API and the worker count, and the port
that serves them. Only entrypoints know Prometheus: the values come from counters the
application and the adapters already keep, read when Prometheus scrapes, or are counted here at
the edges (requests, sign-in)."""
