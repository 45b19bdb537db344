"""HTTP for the catalog: the product controller and its request/response schemas."""
