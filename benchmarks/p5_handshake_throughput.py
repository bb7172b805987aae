"""P5: ``/session-handshake`` throughput from 2 client processes (HANDSHAKE_MAX_PENDING=0,
SESSION_RATE_LIMIT=0), against ``GET /api/status`` driven the same way in the same run.
Targets: ≥ 500 handshakes/s, p99 ≤ 20 ms."""

from __future__ import annotations

import argparse

from common import fmt, header, relay_process, summary, verdict
from loadgen import Load, run, run_wrk, wrk_available


def main(seconds: float, concurrency: int) -> None:
    with relay_process(ALLOW_HEADLESS="true") as relay:
        headers = {
            "x-api-key": relay.key,
            "x-foundry-url": "http://127.0.0.1:30000",
            "x-username": "Gamemaster",
        }
        run(Load(relay.url, "POST", "/session-handshake", headers, concurrency=2, seconds=1))
        if wrk_available():
            tool = "wrk"
            rps, pct, errors = run_wrk(
                relay.url,
                "/session-handshake",
                method="POST",
                headers=headers,
                seconds=seconds,
                connections=concurrency,
            )
            floor_rps, floor_pct, _ = run_wrk(
                relay.url, "/api/status", seconds=seconds, connections=concurrency
            )
            p99 = pct["99"]
            text = f"p50 {pct['50'] * 1000:.1f} ms  p99 {p99 * 1000:.1f} ms"
            floor_text = f"p50 {floor_pct['50'] * 1000:.1f} ms  p99 {floor_pct['99'] * 1000:.1f} ms"
        else:
            tool = "httpx (install wrk for a client that does not eat the CPU)"
            lat, rps, errors = run(
                Load(
                    relay.url,
                    "POST",
                    "/session-handshake",
                    headers,
                    concurrency=concurrency,
                    seconds=seconds,
                )
            )
            floor_lat, floor_rps, _ = run(
                Load(relay.url, "GET", "/api/status", concurrency=concurrency, seconds=seconds)
            )
            stats = summary(lat)
            p99, text, floor_text = stats["p99"], fmt(stats), fmt(summary(floor_lat))
    header(
        f"P5 /session-handshake, 2 client processes x {concurrency} connections"
        f" ({seconds:g} s; load: {tool})"
    )
    print(f"handshake : {rps:8.0f} req/s  {text}  non-2xx {errors}")
    print(f"floor     : {floor_rps:8.0f} req/s  {floor_text}  (GET /api/status)")
    print(f"ratio throughput handshake/floor: {rps / floor_rps:.2f}")
    verdict("P5 throughput", rps, 500, lower_is_better=False, unit=" /s")
    verdict("P5 p99", p99 * 1000, 20, unit=" ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    main(args.seconds, args.concurrency)
