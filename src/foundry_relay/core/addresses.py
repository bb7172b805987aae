"""Which address a request comes from, for per-address limits (pure). The socket's peer, unless
that peer is one of the operator's own proxies (``TRUSTED_PROXIES``): then the nearest address in
``X-Forwarded-For`` that is not one of them. A client cannot pick its address by sending the
header itself: an untrusted peer's header is ignored."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Sequence[str]) -> list[Network]:
    """``TRUSTED_PROXIES`` entries (addresses or CIDRs); ValueError for anything else."""
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    if peer is None:
        return "unknown"
    if not trusted or not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):  # the right-most hops were added by our own proxies
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a forged, unparsable entry: the proxy's own view
    return hops[0] if hops else peer
