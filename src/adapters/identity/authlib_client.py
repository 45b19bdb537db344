"""Authlib's httpx OAuth 2.0 client, imported once for the social sign-in adapters.

Authlib 1.8 warns, when this module is imported, that its httpx integration will move to the
httpx2 package. Nothing is to be done about it here until that package exists for us, and the
warning would land on the stderr of every `portico` command (whose refusals are one line), so
it is silenced for this import only.
"""

from __future__ import annotations

import warnings

import authlib.deprecate  # noqa: F401 (first: it sets "always", which our filter must follow)

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

__all__ = ["AsyncOAuth2Client"]
