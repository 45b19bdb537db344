"""HTTP for the organisations context: its controllers and their request/response schemas."""
