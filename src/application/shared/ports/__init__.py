"""Technical ports: what the use cases need from the outside world, whatever backs it."""
