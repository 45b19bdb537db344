"""The organisations context's adapters: memory and SQL stores, and identity's verified emails."""
