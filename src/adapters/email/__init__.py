"""Mailer adapters: `log` (the message and its links in the log) and `smtp` (aiosmtplib)."""
