"""The platform: machinery every context uses (database, cache, bus, outbox, event store...)."""
