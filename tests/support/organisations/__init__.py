"""Helpers of the organisations' tests (removed with the context: tools/contexts.py deletes every
tests/**/organisations folder)."""
