"""HTTP for identity: sign-in routes (/api/v1/auth), users (/api/v1/users), and our JWKS."""
