"""The organisations context's wiring: its container, its module declaration and its HTTP part."""
