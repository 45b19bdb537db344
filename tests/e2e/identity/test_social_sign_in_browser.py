"""Social sign-in end to end, as a person does it: a real OpenID Connect provider (oidc-provider,
Node.js) on loopback, `portico serve`, and headless Chromium walking start -> the provider's
sign-in page -> consent -> our callback -> signed in. Then the account, its link, and a second
sign-in that reuses the link."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.conftest import portico_env, run_portico
from tests.support.oidc_tools import oidc_provider, require_oidc_tools, sign_in_with_browser
from tests.support.processes import ApiProcess

CLIENT_ID, CLIENT_SECRET = "portico-e2e", "a client secret for the loopback test"


def test_a_person_signs_in_with_an_openid_provider_in_a_browser(tmp_path: Path) -> None:
    node = require_oidc_tools()
    env = portico_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'portico.db'}",
        log_level="WARNING",
        access_log="false",
        auth_dev_key_file=str(tmp_path / "dev-key.json"),
    )
    assert run_portico("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    api = ApiProcess("api", env, tmp_path)
    callback = f"{api.url}/api/v1/auth/social/oidc/callback"
    with oidc_provider(
        node,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=callback,
        log=tmp_path / "oidc.log",
    ) as issuer:
        api.env.update(
            {
                "PORTICO_SOCIAL_CALLBACK_BASE": api.url,
                "PORTICO_SOCIAL_OIDC_ISSUER": issuer,
                "PORTICO_SOCIAL_OIDC_CLIENT_ID": CLIENT_ID,
                "PORTICO_SOCIAL_OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "PORTICO_SOCIAL_OIDC_SCOPES": "openid email",
            }
        )
        api.start()
        try:
            api.wait_ready()
            start = f"{api.url}/api/v1/auth/social/oidc/start"

            first = sign_in_with_browser(node, start, "alice")
            # The browser went through the provider's own pages and ended on our callback.
            assert first["seen"][0].startswith(f"{issuer}/interaction/"), first
            assert first["url"].startswith(callback + "?"), first
            tokens = httpx.Response(200, content=first["body"]).json()
            me = httpx.get(f"{api.url}/api/v1/users/me", headers=bearer(tokens)).json()
            assert me["email"] == "alice@example.test"
            assert me["email_verified"] is True
            links = httpx.get(f"{api.url}/api/v1/users/me/identities", headers=bearer(tokens))
            assert [(x["provider"], x["email"]) for x in links.json()] == [
                ("oidc", "alice@example.test")
            ]
            # Without a password this account cannot drop its only way in.
            refused = httpx.delete(
                f"{api.url}/api/v1/users/me/identities/oidc", headers=bearer(tokens)
            )
            assert refused.status_code == 409
            assert refused.json()["type"].endswith("last-sign-in-method")

            again = sign_in_with_browser(node, start, "alice")
            assert again["url"].startswith(callback + "?"), again
            second = httpx.Response(200, content=again["body"]).json()
            me_again = httpx.get(f"{api.url}/api/v1/users/me", headers=bearer(second)).json()
            assert me_again["id"] == me["id"]  # the link, reused: no second account
            links = httpx.get(f"{api.url}/api/v1/users/me/identities", headers=bearer(second))
            assert len(links.json()) == 1
        finally:
            api.stop()


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
