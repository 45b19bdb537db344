"""Persistence on Redis: documents with versions, indexes and an outbox, each commit one Lua
script (docs/persistence.md)."""
