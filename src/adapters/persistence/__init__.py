"""Adapters of the UnitOfWork and repository ports."""
