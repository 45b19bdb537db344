"""The messaging worker: the outbox relay and the consumers, in `portico worker` or in-process."""
