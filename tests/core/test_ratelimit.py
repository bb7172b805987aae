from __future__ import annotations

import pytest

from foundry_relay.core.ratelimit import RateLimiter
from foundry_relay.errors import RelayError


def test_window_limits_per_key_and_reports_retry_after() -> None:
    rl = RateLimiter(limit=3, window=60)
    for t in (0.0, 1.0, 2.0):
        rl.hit("a", t)
    rl.hit("b", 2.0)  # other keys are separate
    with pytest.raises(RelayError) as err:
        rl.hit("a", 10.0)
    assert err.value.code == "RATE_LIMITED" and err.value.status == 429
    assert err.value.extra["retryAfter"] == 50
    rl.hit("a", 60.5)  # the first event left the window


def test_zero_disables() -> None:
    rl = RateLimiter(limit=0)
    for i in range(1000):
        rl.hit("a", float(i) / 1000)
