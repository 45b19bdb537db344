"""Ordering use cases: event-sourced commands, projection-backed queries, payments."""
