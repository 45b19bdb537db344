"""TrustedProxies: forwarding headers are believed only from trusted peers, and only as far as
the chain of trusted proxies goes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from entrypoints.http.security.proxies import TrustedProxies
from entrypoints.settings import HttpSettings, Settings, SettingsError

BALANCER = "10.0.0.5"
TRUSTED = HttpSettings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxy_networks


async def seen(peer: str, *headers: tuple[str, str], scheme: str = "http") -> tuple[str, str]:
    """What the app behind the middleware sees: (client address, scheme)."""
    found: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        found.update(scope)

    scope = {
        "type": "http",
        "scheme": scheme,
        "client": (peer, 5555),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }
    await TrustedProxies(app, TRUSTED)(scope, None, None)  # type: ignore[arg-type]
    return found["client"][0], found["scheme"]


async def test_a_trusted_balancer_names_the_client_and_the_protocol() -> None:
    assert await seen(
        BALANCER, ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")
    ) == ("203.0.113.7", "https")


async def test_an_untrusted_peer_keeps_its_own_address_whatever_it_writes() -> None:
    forged = ("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-Proto", "https")
    assert await seen("203.0.113.9", *forged) == ("203.0.113.9", "http")


async def test_a_forged_entry_left_of_the_real_client_is_not_believed() -> None:
    # The client wrote "1.1.1.1" itself; the balancer appended the address it saw.
    chain = ("X-Forwarded-For", "1.1.1.1, 203.0.113.7")
    assert (await seen(BALANCER, chain))[0] == "203.0.113.7"


async def test_trusted_hops_are_skipped_from_the_nearest_outwards() -> None:
    chain = ("X-Forwarded-For", "203.0.113.7, 10.1.1.1"), ("X-Forwarded-For", "10.2.2.2")
    assert (await seen(BALANCER, *chain))[0] == "203.0.113.7"


async def test_an_unreadable_hop_stops_the_walk_at_the_last_trusted_one() -> None:
    chain = ("X-Forwarded-For", "203.0.113.7, unknown, 10.1.1.1")
    assert (await seen(BALANCER, chain))[0] == "10.1.1.1"


async def test_rfc_7239_forwarded_wins_over_x_forwarded() -> None:
    headers = (
        ("Forwarded", 'for="[2001:db8::17]:4711";proto=https, for=10.1.1.1'),
        ("X-Forwarded-For", "198.51.100.1"),
    )
    assert await seen("::1", *headers) == ("2001:db8::17", "https")


async def test_addresses_with_ports_and_no_headers() -> None:
    assert (await seen(BALANCER, ("X-Forwarded-For", "203.0.113.7:6000")))[0] == "203.0.113.7"
    assert await seen(BALANCER) == (BALANCER, "http")
    assert await seen(BALANCER, ("X-Forwarded-Proto", "gopher")) == (BALANCER, "http")


def test_a_bad_entry_is_refused_with_its_name() -> None:
    with pytest.raises(SettingsError, match=re.escape("PORTICO_TRUSTED_PROXIES: '10.0.0.300'")):
        Settings(http=HttpSettings(trusted_proxies="127.0.0.1, 10.0.0.300"))
