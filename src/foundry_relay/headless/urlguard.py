"""Where a headless browser may go (SPEC 9): the operator's URL policy applied to every address
a Foundry URL resolves to, for the handshake and for every navigation of the page."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from urllib.parse import urlsplit

from ..core.urlpolicy import UrlPolicy, parse_foundry_url
from ..errors import RelayError

DNS_CACHE_SECONDS = 30.0
DNS_CACHE_ENTRIES = 1000


class FoundryUrlGuard:
    """Checks Foundry URLs against the policy; host lookups are cached briefly."""

    def __init__(self, policy: UrlPolicy) -> None:
        self.policy = policy
        self._dns: dict[str, tuple[float, list[str]]] = {}

    async def resolve(self, host: str) -> list[str]:
        """The host's addresses (IP literals need no lookup)."""
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        now = time.monotonic()
        cached = self._dns.get(host)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
            addresses = sorted({str(info[4][0]) for info in infos})
        except OSError:
            addresses = []
        if len(self._dns) > DNS_CACHE_ENTRIES:
            self._dns.clear()
        self._dns[host] = (now + DNS_CACHE_SECONDS, addresses)
        return addresses

    async def check(self, url: str | None) -> str:
        """The normalised URL, or ``FOUNDRY_URL_FORBIDDEN`` / ``BAD_REQUEST``."""
        normalised, host = parse_foundry_url(url)
        self.policy.check(host, await self.resolve(host))
        return normalised

    async def verdict(self, url: str) -> str | None:
        """The browser's navigation guard: None if the page may load ``url``, else why not."""
        if urlsplit(url).scheme in ("about", "data", "blob"):
            return None
        try:
            await self.check(url)
        except RelayError as exc:
            return exc.message
        return None
