"""Per-key sliding-window rate limit (pure: time is an argument)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..errors import RelayError


@dataclass
class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key; 0 disables it."""

    limit: int
    window: float = 60.0
    what: str = "session requests for this API key"
    _events: dict[str, deque[float]] = field(default_factory=dict)
    hits: int = 0  # requests refused so far (for the metrics)

    def hit(self, key: str, now: float, limit: int | None = None) -> None:
        """Count one event or raise ``RATE_LIMITED`` with ``retryAfter`` seconds; ``limit``:
        this key's own limit instead of the default."""
        limit = self.limit if limit is None else limit
        if limit <= 0:
            return
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= limit:
            retry = max(1, int(events[0] + self.window - now + 0.999))
            self.hits += 1
            raise RelayError(
                f"too many {self.what} (limit {limit} per minute)",
                code="RATE_LIMITED",
                retryAfter=retry,
            )
        events.append(now)
        if len(self._events) > 10_000:  # forget idle keys (many addresses)
            for stale in [
                k for k, v in self._events.items() if not v or v[-1] <= now - self.window
            ]:
                del self._events[stale]
