"""Which Foundry URLs the relay's browser may open (SPEC section 9, SSRF policy).

Pure: the caller resolves the host and passes the addresses in. Loopback and private ranges are
allowed by default (self-hosters run Foundry there); link-local and cloud-metadata addresses are
denied by default. ``FOUNDRY_URL_ALLOW``, when set, is the only list that admits.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import RelayError

DEFAULT_DENY = (
    "169.254.0.0/16",
    "fe80::/10",
    "fd00:ec2::254/128",
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
)


def _forbidden(message: str) -> RelayError:
    return RelayError(message, code="FOUNDRY_URL_FORBIDDEN")


def parse_foundry_url(url: str | None) -> tuple[str, str]:
    """Validate the shape of a Foundry URL; returns (normalised url, host)."""
    if not url or not url.strip():
        raise RelayError("x-foundry-url header is required", code="BAD_REQUEST")
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as exc:
        raise _forbidden(f"'{url}' is not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _forbidden("the Foundry URL must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise _forbidden("the Foundry URL must not carry credentials")
    return url, parts.hostname.lower().rstrip(".")


@dataclass(frozen=True)
class UrlPolicy:
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()

    @classmethod
    def from_lists(cls, allow: Sequence[str], deny: Sequence[str]) -> UrlPolicy:
        return cls(tuple(a.lower() for a in allow), tuple(d.lower() for d in deny) + DEFAULT_DENY)

    @staticmethod
    def _matches(entry: str, host: str, addresses: Iterable[str]) -> bool:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return host == entry or host.endswith("." + entry)
        for address in addresses:
            try:
                if ipaddress.ip_address(address.split("%")[0]) in network:
                    return True
            except ValueError:
                continue
        return False

    def check(self, host: str, addresses: Sequence[str]) -> None:
        """Raise ``FOUNDRY_URL_FORBIDDEN`` unless ``host`` resolving to ``addresses`` may be
        opened. Every resolved address must pass, so DNS tricks cannot slip one through."""
        candidates = list(addresses)
        try:
            ipaddress.ip_address(host.strip("[]"))
            candidates.append(host.strip("[]"))
        except ValueError:
            pass
        for entry in self.deny:
            if self._matches(entry, host, candidates):
                raise _forbidden(f"the relay's policy forbids opening {host}")
        if self.allow:
            if not candidates and not any(self._matches(a, host, []) for a in self.allow):
                raise _forbidden(f"{host} is not on the relay's allow-list")
            for address in candidates or [""]:
                if not any(
                    self._matches(a, host, [address] if address else []) for a in self.allow
                ):
                    raise _forbidden(f"{host} is not on the relay's allow-list")
