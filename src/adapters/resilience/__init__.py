"""Resilience toolkit shared by adapters that call remote servers (cache, payments, webhooks).

It implements no port and imports only the standard library, so any adapter kind may use it
without coupling to another kind (see the import-linter contracts in pyproject.toml).
"""
