"""Use cases: command and query handlers that talk to ports only."""
