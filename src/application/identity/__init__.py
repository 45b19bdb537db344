"""Identity use cases. One module per use case: its message (command or query) and its handler."""
