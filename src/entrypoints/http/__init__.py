"""The HTTP entrypoint: a Litestar app whose controllers parse, call one use case, and map."""
