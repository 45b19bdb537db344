"""The `portico` command: serve, db, and (with later contexts) administration."""
