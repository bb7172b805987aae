"""Pairing rules (SPEC 4.3 step 4, 4.5 and 12): relay URLs compared as the module compares them,
and what a headless start does with a world's pairing settings.

Pure: no I/O. The headless service reads the world settings in the page and carries out the
verdict; the pairing routes use the URL helpers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

_WS_SCHEME = {"ws": "ws", "http": "ws", "wss": "wss", "https": "wss"}
_DEFAULT_PORT = {"ws": 80, "wss": 443}


def canonical_relay_url(url: str | None) -> str | None:
    """``ws(s)://host[:port][/path]`` with the scheme mapped to ws/wss, host lower-cased, the
    default port dropped and a trailing ``/relay`` and slashes removed; None if not a URL."""
    if not url or not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        scheme = _WS_SCHEME.get(parts.scheme.lower())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if scheme is None or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORT[scheme]) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    if path.endswith("/relay"):
        path = path[: -len("/relay")].rstrip("/")
    return f"{scheme}://{netloc}{path}"


def ws_origin(url: str | None) -> str | None:
    """The ``ws(s)://host[:port]`` origin a browser WebSocket to ``url`` opens, or None."""
    canonical = canonical_relay_url(url)
    if canonical is None:
        return None
    parts = urlsplit(canonical)
    return f"{parts.scheme}://{parts.netloc}"


def to_ws_url(url: str) -> str:
    """An http(s) base URL as the ws(s) URL the module stores as ``wsRelayUrl``."""
    base = url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :]
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :]
    return base


def is_own(url: str | None, own: Iterable[str]) -> bool:
    canonical = canonical_relay_url(url)
    return canonical is not None and canonical in {canonical_relay_url(u) for u in own}


@dataclass(frozen=True)
class WorldPairing:
    """The module's world settings as read in the page."""

    ws_relay_url: str
    client_id: str
    paired_relay_url: str


Verdict = Literal["here", "unpaired", "elsewhere"]


@dataclass(frozen=True)
class PairingDecision:
    verdict: Verdict
    other_url: str | None = None  # the relay a world paired elsewhere points at
    fix_pin: bool = False  # paired here, but pairedRelayUrl spelled differently from wsRelayUrl


def decide(pairing: WorldPairing, own: Iterable[str]) -> PairingDecision:
    """Paired with this relay, never paired (no clientId), or paired with another relay.

    ``wsRelayUrl`` here with ``pairedRelayUrl`` naming another relay is "elsewhere": the module
    refuses to connect when the two differ.
    """
    own = list(own)
    if not pairing.client_id:
        return PairingDecision("unpaired")
    ws_here = is_own(pairing.ws_relay_url, own)
    pinned = pairing.paired_relay_url
    if ws_here and (not pinned or is_own(pinned, own)):
        return PairingDecision("here", fix_pin=bool(pinned) and pinned != pairing.ws_relay_url)
    other = pinned if pinned and not is_own(pinned, own) else pairing.ws_relay_url
    return PairingDecision("elsewhere", other_url=other or None)
