from __future__ import annotations

import pytest

from foundry_relay.core import ratelimit
from foundry_relay.core.ratelimit import LogOnce, RateLimiter
from foundry_relay.errors import RelayError


def test_a_burst_of_the_limit_then_one_per_refill_with_retry_after() -> None:
    rl = RateLimiter(limit=3, window=60)  # 3 at once, then one every 20 s
    for t in (0.0, 1.0, 2.0):
        rl.hit("a", t)
    rl.hit("b", 2.0)  # other keys have their own bucket
    with pytest.raises(RelayError) as err:
        rl.hit("a", 10.0)  # 0.5 of a token back by now
    assert err.value.code == "RATE_LIMITED" and err.value.status == 429
    assert err.value.extra["retryAfter"] == 10  # the other half takes 10 s
    assert rl.hits == 1
    rl.hit("a", 20.5)  # one token back
    with pytest.raises(RelayError):
        rl.hit("a", 21.0)
    for t in (200.0, 200.1, 200.2):  # idle long enough: a full bucket, never more than it
        rl.hit("a", t)
    with pytest.raises(RelayError):
        rl.hit("a", 200.3)


def test_a_keys_own_limit_sets_its_bucket() -> None:
    rl = RateLimiter(limit=100, window=60)
    rl.hit("k", 0.0, limit=1)
    with pytest.raises(RelayError) as err:
        rl.hit("k", 1.0, limit=1)
    assert err.value.extra["retryAfter"] == 59


def test_sustained_rate_is_the_limit_per_window() -> None:
    rl = RateLimiter(limit=30, window=60)
    allowed = 0
    for n in range(6000):  # 100 tries a second for a minute
        try:
            rl.hit("guesser", n / 100)
            allowed += 1
        except RelayError:
            pass
    assert allowed in (59, 60)  # the burst of 30, then 30 more over the minute


def test_memory_is_bounded_when_every_key_is_active(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 1000)
    rl = RateLimiter(limit=5, window=60)
    for n in range(5000):  # 5,000 addresses within one window
        rl.hit(f"10.0.{n // 256}.{n % 256}", n / 1000)
        assert len(rl._buckets) <= 1001
    rl.hit("late", 120.0)  # a window later every old bucket is full again: forgotten
    assert set(rl._buckets) == {"late"}


def test_zero_disables() -> None:
    rl = RateLimiter(limit=0)
    for i in range(1000):
        rl.hit("a", float(i) / 1000)
    assert rl.hits == 0 and not rl._buckets


def test_log_once_per_key_and_period() -> None:
    once = LogOnce(period=60)
    assert once.due("a", 0.0) and not once.due("a", 30.0) and once.due("b", 30.0)
    assert once.due("a", 60.0)
    for n in range(20_000):  # many keys: bounded, and each still logged once
        assert once.due(f"k{n}", 61.0)
    assert len(once._last) < 10_000
