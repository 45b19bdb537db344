"""HTTP for the audit log."""
