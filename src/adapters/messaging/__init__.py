"""Adapters of the MessageBus port: `memory` (in-process) and `nats` (NATS JetStream)."""
