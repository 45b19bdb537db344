"""Test helpers of the catalog context (removed with it: tools/contexts.py)."""
