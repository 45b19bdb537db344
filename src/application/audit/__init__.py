"""The audit log: a consumer that records catalog changes, and the query that reads them."""
