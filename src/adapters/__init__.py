"""Implementations of the domain's and the application's ports, one folder per technology."""
