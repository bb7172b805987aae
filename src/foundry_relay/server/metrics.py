"""``GET /metrics`` (SPEC 11) in the Prometheus text format, through ``prometheus-client``.

The hot paths only add to plain numbers (:class:`Stats`); the metric families are built when
Prometheus scrapes, by one collector that also reads the live state (clients, pending requests,
sessions, subscribers). Each app has its own registry: several relays in one process (the tests)
never share a metric."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

if TYPE_CHECKING:
    from .state import RelayState

FORWARD_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAUNCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Histogram:
    """Fixed buckets, plain numbers: ``observe`` is a bisect and two additions."""

    def __init__(self, buckets: Sequence[float]) -> None:
        self.bounds = tuple(buckets)
        self.counts = [0] * (len(self.bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def family_buckets(self) -> list[tuple[str, float]]:
        out, running = [], 0
        for bound, count in zip(self.bounds, self.counts, strict=False):
            running += count
            out.append((repr(bound), float(running)))
        out.append(("+Inf", float(running + self.counts[-1])))
        return out


class Stats:
    """What the relay counts as it runs."""

    def __init__(self) -> None:
        self.http: Counter[tuple[str, str, int]] = Counter()  # (route, method, status)
        self.frames: Counter[str] = Counter()  # "in" / "out" on module sockets
        self.forward = Histogram(FORWARD_BUCKETS)
        self.launch_stages: dict[str, Histogram] = {}
        self.launch_failures: Counter[str] = Counter()  # by error code
        self.started = time.time()

    def http_request(self, route: str, method: str, status: int) -> None:
        self.http[(route, method, status)] += 1

    def launch_finished(self, timeline: Sequence[tuple[float, str, str]], end: float) -> None:
        """Time spent in each launch stage, from a session's timeline."""
        stages = [(at, detail) for at, what, detail in timeline if what == "stage"]
        for (at, stage), nxt in zip(stages, [*stages[1:], (end, "")], strict=False):
            hist = self.launch_stages.setdefault(stage, Histogram(LAUNCH_BUCKETS))
            hist.observe(max(nxt[0] - at, 0.0))


class RelayCollector:
    def __init__(self, state: RelayState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        state, stats = self.state, self.state.stats
        http = CounterMetricFamily(
            "foundry_relay_http_requests", "HTTP requests", labels=["route", "method", "status"]
        )
        for (route, method, status), n in sorted(stats.http.items()):
            http.add_metric([route, method, str(status)], n)
        yield http
        forward = HistogramMetricFamily(
            "foundry_relay_forward_duration_seconds",
            "Round trip of a forwarded request: frame out, reply in",
        )
        forward.add_metric([], stats.forward.family_buckets(), stats.forward.total)
        yield forward
        yield GaugeMetricFamily(
            "foundry_relay_pending_requests",
            "Forwarded requests waiting for their module's reply",
            value=len(state.hub.correlator.pending),
        )
        local = [e for e in state.hub.registry.all() if e.instance_id == state.instance_id]
        yield GaugeMetricFamily(
            "foundry_relay_connected_clients", "Module sockets of this process", value=len(local)
        )
        frames = CounterMetricFamily(
            "foundry_relay_websocket_frames", "Module socket frames", labels=["direction"]
        )
        for direction in ("in", "out"):
            frames.add_metric([direction], stats.frames[direction])
        yield frames
        yield from self._sessions()
        subscribers = GaugeMetricFamily(
            "foundry_relay_event_subscribers", "Event listeners", labels=["channel"]
        )
        by_channel: Counter[str] = Counter()
        if state.events is not None:
            for channels in state.events._subs.values():
                for name, subs in channels.items():
                    by_channel[name] += len(subs)
        for name, n in sorted(by_channel.items()):
            subscribers.add_metric([name], n)
        yield subscribers
        limited = CounterMetricFamily(
            "foundry_relay_rate_limited", "Requests refused by a rate limit", labels=["limit"]
        )
        for name, hits in self._limits():
            limited.add_metric([name], hits)
        yield limited

    def _sessions(self) -> Iterator[Metric]:
        stats, headless = self.state.stats, self.state.headless
        by_state = GaugeMetricFamily(
            "foundry_relay_sessions", "Headless sessions by state", labels=["state"]
        )
        counts: Counter[str] = Counter()
        if headless is not None:
            for live in headless.live.values():
                counts[live.session.state] += 1
        for name in ("launching", "active", "ending", "ended", "failed"):
            by_state.add_metric([name], counts[name])
        yield by_state
        stages = HistogramMetricFamily(
            "foundry_relay_launch_stage_seconds", "Time in each launch stage", labels=["stage"]
        )
        for stage, hist in sorted(stats.launch_stages.items()):
            stages.add_metric([stage], hist.family_buckets(), hist.total)
        yield stages
        failures = CounterMetricFamily(
            "foundry_relay_launch_failures", "Failed launches by error code", labels=["code"]
        )
        for code, n in sorted(stats.launch_failures.items()):
            failures.add_metric([code], n)
        yield failures

    def _limits(self) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = [
            ("key", self.state.key_rate.hits),
            ("auth-failure", self.state.guard.hits),
            ("unauthenticated-websocket", self.state.pending_sockets.refused),
            ("remote-request", self.state.remote.hourly.hits if self.state.remote else 0),
        ]
        limits = self.state.conn_limits
        if limits is not None:
            out += [("connections", limits.refused), ("slow-request", limits.too_slow)]
        headless = self.state.headless
        if headless is not None:
            out.append(("session", headless.rate.hits))
        throttles: Any = self.state.throttles
        if throttles is not None:
            out += [("pairing", throttles.pairing.hits), ("probe", throttles.probe.hits)]
        return out


def registry_for(state: RelayState) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RelayCollector(state))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
