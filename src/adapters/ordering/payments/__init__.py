"""Adapters of PaymentGateway: `fake` (deterministic) and `http` (a provider's REST API)."""
