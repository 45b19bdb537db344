"""Notifier adapters: `log` (a structured log line) and `webhook` (signed JSON over HTTP)."""
