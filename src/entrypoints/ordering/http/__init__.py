"""HTTP for ordering: the order controller and its request/response schemas."""
