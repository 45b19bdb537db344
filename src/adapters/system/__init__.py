"""Adapters of Clock and IdGenerator."""
