"""Adapters of PasswordHasher, TokenIssuer and TokenVerifier."""
