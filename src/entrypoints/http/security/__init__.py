"""HTTP security: bearer authentication, permission guards, rate limits, security headers."""
