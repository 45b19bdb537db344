"""TrustedProxies: behind a load balancer, the client is whom the balancer says, not the balancer.

Only a request whose peer is a trusted proxy (PORTICO_TRUSTED_PROXIES) has its forwarding headers
read: `Forwarded` (RFC 7239) when present, else `X-Forwarded-For` and `X-Forwarded-Proto`. The
chain of addresses is walked from the nearest hop outwards, skipping trusted proxies; the first
address that is not one is the client. Anyone can write these headers, so an address left of an
untrusted one is never believed, and a request from an untrusted peer keeps its own address.
The scope's `client` and `scheme` are rewritten outermost, so rate limits, lockouts, HSTS and
logs all see the real client.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from entrypoints.http.security.headers import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_FORWARDED_PAIR = re.compile(r'(for|proto)\s*=\s*("[^"]*"|[^;,\s]*)', re.I)


class TrustedProxies:
    def __init__(self, app: ASGIApp, networks: Sequence[Network]) -> None:
        self.app = app
        self.networks = tuple(networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            if client and self._trusted(_address(client[0])):
                hops, proto = _forwarded(scope["headers"])
                real = self._client(hops)
                if real is not None:
                    scope["client"] = (real, 0)
                if proto in ("http", "https"):
                    scope["scheme"] = proto if scope["type"] == "http" else _ws(proto)
        await self.app(scope, receive, send)

    def _trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def _client(self, hops: list[str]) -> str | None:
        """The nearest address that is not a trusted proxy; None leaves the peer as it is."""
        found = None
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:  # "unknown", an obfuscated name, garbage: believe no further
                break
            found = str(address)
            if not self._trusted(address):
                break
        return found


def _forwarded(headers: Sequence[tuple[bytes, bytes]]) -> tuple[list[str], str | None]:
    """The `for` hops in order (client first) and the nearest hop's protocol."""
    forwarded = [v.decode("latin-1") for k, v in headers if k == b"forwarded"]
    if forwarded:
        hops, protos = [], []
        for element in ",".join(forwarded).split(","):
            pairs = {k.lower(): v.strip('"') for k, v in _FORWARDED_PAIR.findall(element)}
            if "for" in pairs:
                hops.append(pairs["for"])
            if "proto" in pairs:
                protos.append(pairs["proto"].lower())
        return hops, protos[-1] if protos else None
    hops = [
        hop.strip()
        for k, v in headers
        if k == b"x-forwarded-for"
        for hop in v.decode("latin-1").split(",")
    ]
    protos = [
        p.strip().lower()
        for k, v in headers
        if k == b"x-forwarded-proto"
        for p in v.decode("latin-1").split(",")
    ]
    return hops, protos[-1] if protos else None


def _address(text: str) -> Address | None:
    """An IP from "1.2.3.4", "1.2.3.4:80", "[::1]:80" or "::1"; None for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _ws(proto: str) -> str:
    return "wss" if proto == "https" else "ws"
