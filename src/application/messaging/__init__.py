"""Messaging use cases: integration event types, the outbox relay, and the consumer runner."""
