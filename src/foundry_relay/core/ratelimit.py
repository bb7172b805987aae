"""Per-key token buckets (pure: time is an argument), and the "one log line per address and
minute" rule that goes with every limit.

A limit of N per window is a bucket of N tokens refilled at N per window: a burst of N, then
one every window/N seconds — the established relay's limiters, O(1) per call and per key."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import RelayError

MAX_KEYS = 100_000  # buckets kept at once; past it, full buckets are forgotten (then the oldest)


@dataclass
class RateLimiter:
    """At most ``limit`` events at once and ``limit`` per ``window`` seconds per key; 0: off."""

    limit: int
    window: float = 60.0
    what: str = "session requests for this API key"
    hits: int = 0  # requests refused so far (for the metrics)
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # tokens, as of
    _swept: float = 0.0

    def hit(self, key: str, now: float, limit: int | None = None) -> None:
        """Take one token or raise ``RATE_LIMITED`` with ``retryAfter`` seconds (until a token
        is back); ``limit``: this key's own limit instead of the default."""
        limit = self.limit if limit is None else limit
        if limit <= 0:
            return
        per_second = limit / self.window
        tokens, since = self._buckets.get(key, (float(limit), now))
        tokens = min(float(limit), tokens + (now - since) * per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            raise self.refusal(limit, (1.0 - tokens) / per_second)
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_KEYS or now - self._swept > self.window:
            self._sweep(now)

    def refusal(self, limit: int, wait: float) -> RelayError:
        """The 429 for a call past ``limit`` (counted), ``wait`` seconds before a token."""
        self.hits += 1
        per = {60.0: "minute", 3600.0: "hour"}.get(self.window, f"{self.window:g} s")
        return RelayError(
            f"too many {self.what} (limit {limit} per {per})",
            code="RATE_LIMITED",
            retryAfter=max(1, int(wait + 0.999)),
        )

    def _sweep(self, now: float) -> None:
        """Forget buckets untouched for a window (full again, the same as never seen); at most
        once a window, or when too many keys are kept — then the oldest go too (amortised O(1)
        per call even when every key is active)."""
        self._swept = now
        self._buckets = {k: b for k, b in self._buckets.items() if now - b[1] < self.window}
        if len(self._buckets) > MAX_KEYS // 2:
            self._buckets = dict(list(self._buckets.items())[-(MAX_KEYS // 2) :])


@dataclass
class LogOnce:
    """True at most once per key and ``period``: one log line per address and minute for a
    refusal, never one per request."""

    period: float = 60.0
    _last: dict[str, float] = field(default_factory=dict)

    def due(self, key: str, now: float) -> bool:
        if now - self._last.get(key, now - self.period) < self.period:
            return False
        if len(self._last) >= 10_000:  # keep the recent ones; all of them recent: start over
            self._last = {k: t for k, t in self._last.items() if now - t < self.period}
            if len(self._last) >= 5_000:
                self._last.clear()
        self._last[key] = now
        return True
