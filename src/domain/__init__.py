"""The pure core: entities, value objects, domain events, domain errors and ports.

Nothing here imports a framework, a driver or anything outside the standard library.
"""
