"""The ordering context's adapters: its persistence (memory, SQL) and whatever else it plugs in."""
