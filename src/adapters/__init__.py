"""Implementations of the domain's ports, one folder per kind of technology."""
