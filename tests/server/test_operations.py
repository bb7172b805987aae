"""Operations (SPEC 11): ``GET /metrics`` in the Prometheus format as ``METRICS`` allows, showing
what the relay did, and ``GET /api/health`` for load balancers."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from foundry_relay.client import RelayClientError

from ..conftest import RelayFactory, remember_secret
from .headless_helpers import client, headless_stack, start


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_show_a_session_a_forwarded_request_and_a_failure(
    relay_factory: RelayFactory,
) -> None:
    async with headless_stack(relay_factory, metrics="open") as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        async with client(relay, key) as c:
            await c.world_info(client_id=info.client_id)
            try:
                wrong = remember_secret("wrong-password")
                await start(relay, sim, key, username="Player", password=wrong)
            except RelayClientError as exc:
                assert exc.code == "FOUNDRY_LOGIN_REJECTED"
        async with relay.http() as http:
            scraped = await http.get("/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        found = samples(scraped.text)
        assert (
            value(
                found,
                "foundry_relay_http_requests_total",
                route="/world-info",
                method="GET",
                status="200",
            )
            == 1
        )
        assert (
            value(
                found,
                "foundry_relay_http_requests_total",
                route="/start-session",
                method="POST",
                status="401",
            )
            == 1
        )
        assert value(found, "foundry_relay_forward_duration_seconds_count") == 1
        assert (
            value(found, "foundry_relay_launch_failures_total", code="FOUNDRY_LOGIN_REJECTED") == 1
        )
        assert value(found, "foundry_relay_sessions", state="active") == 1
        assert value(found, "foundry_relay_sessions", state="failed") == 1
        assert value(found, "foundry_relay_connected_clients") == 1
        assert value(found, "foundry_relay_launch_stage_seconds_count", stage="login") == 2
        assert value(found, "foundry_relay_websocket_frames_total", direction="in") >= 2
        assert value(found, "foundry_relay_websocket_frames_total", direction="out") >= 2
        assert value(found, "foundry_relay_pending_requests") == 0
        assert key not in scraped.text


async def test_metrics_are_off_open_or_behind_a_token(relay_factory: RelayFactory) -> None:
    async with relay_factory() as relay, relay.http() as http:
        assert (await http.get("/metrics")).status_code == 404
    token = remember_secret("a-metrics-token-0123456789")
    async with (
        relay_factory(metrics="token", metrics_token=SecretStr(token)) as relay,
        relay.http() as http,
    ):
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await http.get("/metrics", headers={"authorization": f"Bearer {token}"})
        assert right.status_code == 200 and "foundry_relay_http_requests_total" in right.text
        assert re.search(r'route="/metrics",status="401"', right.text)


async def test_health_for_load_balancers(relay_factory: RelayFactory) -> None:
    async with relay_factory(allow_headless=True) as relay, relay.http() as http:
        ok = await http.get("/api/health")
        assert ok.status_code == 200
        body = ok.json()
        running = relay.state.headless.engine.browser_pid is not None  # a borrowed browser
        assert (body["status"], body["store"]) == ("ok", "ok")
        assert body["browser"] == ("running" if running else "idle")
        # The store stops answering: the relay says so, and recovers when it is back.
        writer = relay.state.store._wdb
        relay.state.store._wdb = _Broken()
        try:
            down = await http.get("/api/health")
            assert down.status_code == 503
            assert (down.json()["status"], down.json()["store"]) == (
                "unavailable",
                "STORE_UNAVAILABLE",
            )
        finally:
            relay.state.store._wdb = writer
        assert (await http.get("/api/health")).status_code == 200


class _Broken:
    """A database connection whose file went away (the disk, a volume unmounted)."""

    def execute(self, *args: object) -> None:
        import sqlite3

        raise sqlite3.OperationalError("disk I/O error")
