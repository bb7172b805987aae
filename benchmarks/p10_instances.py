"""P10: two relay processes sharing one Redis (``REDIS_URL``) and one store. One module client
is connected to instance A; the same forwarded request enters A (which holds the client) or B
(which passes it to A over Redis pub/sub). Reported: the latency each path adds at a fixed rate
(open loop, p50 and p99) and each path's closed-loop throughput. Target: the hop through the
other instance adds ≤ 1 ms at p50 and ≤ 5 ms at p99 (issue 15 calls it P9: that number was
taken by the event fan-out)."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

from common import fmt, header, new_token, relay_process, summary, verdict
from loadgen import Load, run, run_paced, run_wrk, wrk_available
from p6_forwarding import CLIENT_ID, module_stand_in


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Debian's ``redis-server`` on a free port, without persistence."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="redis-bench-") as home:
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", home]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while time.time() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def closed_loop(url: str, key: str, seconds: float, connections: int) -> tuple[float, str]:
    path = f"/world-info?clientId={CLIENT_ID}"
    if wrk_available():
        rps, pct, _ = run_wrk(
            url, path, headers={"x-api-key": key}, seconds=seconds, connections=connections
        )
        return rps, f"p50 {pct['50'] * 1000:.2f} ms  p99 {pct['99'] * 1000:.2f} ms"
    load = Load(
        url,
        "GET",
        "/world-info",
        {"x-api-key": key},
        params={"clientId": CLIENT_ID},
        concurrency=connections,
        seconds=seconds,
    )
    lat, rps, _ = run(load)
    return rps, fmt(summary(lat))


def main(seconds: float, rate: float, connections: int) -> None:
    with redis_server() as redis_url:
        env = {"REDIS_URL": redis_url, "ALLOW_HEADLESS": "false"}
        with (
            relay_process(**env) as a,
            relay_process(share=a, **env) as b,
            module_stand_in(a.url, new_token(a)),
        ):
            time.sleep(0.5)  # B hears that A holds the client
            path = f"/world-info?clientId={CLIENT_ID}"
            headers = {"x-api-key": a.key}
            for url in (a.url, b.url):  # warm both paths
                run_paced(url, path, headers=headers, rate=min(rate, 200), seconds=1)
            paced = {}
            for name, url in (("A", a.url), ("B", b.url)):
                lat, errors = run_paced(url, path, headers=headers, rate=rate, seconds=seconds)
                if errors:
                    raise RuntimeError(f"{errors} failed requests through {name}")
                paced[name] = summary(lat)
            through_a = closed_loop(a.url, a.key, seconds, connections)
            through_b = closed_loop(b.url, a.key, seconds, connections)
    header(f"P10 two instances on one Redis ({seconds:g} s per phase, {rate:g} req/s open loop)")
    print(f"enters A (holds the client)  : {fmt(paced['A'])}")
    print(f"enters B (passed on to A)    : {fmt(paced['B'])}")
    added_p50 = (paced["B"]["median"] - paced["A"]["median"]) * 1000
    added_p99 = (paced["B"]["p99"] - paced["A"]["p99"]) * 1000
    print(f"added by the hop: p50 {added_p50:.2f} ms  p99 {added_p99:.2f} ms")
    print(
        f"closed loop, {connections} connections, through A: {through_a[0]:8.0f} req/s  "
        f"{through_a[1]}"
    )
    print(
        f"closed loop, {connections} connections, through B: {through_b[0]:8.0f} req/s  "
        f"{through_b[1]}"
    )
    verdict("P10 added p50", added_p50, 1, unit=" ms")
    verdict("P10 added p99", added_p99, 5, unit=" ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    main(args.seconds, args.rate, args.connections)
