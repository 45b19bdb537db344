"""`portico scaffold`: write a new bounded context, or a use case, in the house conventions.

Everything is rendered in memory and checked before the first file is written (all or nothing).
"""
