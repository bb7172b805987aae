"""P6: forwarded requests through one module client (a Python WebSocket client answering at
once): closed-loop throughput, and latency at a fixed 500 req/s, with ``GET /api/status`` as the
floor in the same run. Targets: ≥ 2,000 req/s; p99 ≤ 25 ms at 500 req/s."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing as mp
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import fmt, header, new_token, relay_process, summary, verdict
from loadgen import Load, run, run_paced, run_wrk, wrk_available

CLIENT_ID = "fvtt_benchmark000001"


def module_process(ws_url: str, token: str, ready: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    from websockets.asyncio.client import connect

    async def serve() -> None:
        url = f"{ws_url}/relay?id={CLIENT_ID}&worldId=bench&worldTitle=Bench"
        async with connect(url, max_size=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            await ws.recv()
            gc.collect()
            gc.freeze()  # the stand-in module's own pauses are not the relay's latency
            ready.set()
            async for raw in ws:
                frame = json.loads(raw)
                if "requestId" in frame:
                    await ws.send(
                        json.dumps(
                            {
                                "type": frame["type"] + "-result",
                                "requestId": frame["requestId"],
                                "data": {"id": "bench", "title": "Bench"},
                            }
                        )
                    )

    asyncio.run(serve())


@contextlib.contextmanager
def module_stand_in(http_url: str, token: str) -> Iterator[None]:
    """:func:`module_process` connected to the relay at ``http_url`` for the block."""
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    args = (http_url.replace("http://", "ws://"), token, ready)
    module = ctx.Process(target=module_process, args=args, daemon=True)
    module.start()
    try:
        if not ready.wait(30):
            raise RuntimeError(f"the module did not connect to {http_url}")
        yield
    finally:
        module.terminate()


def profiler(pid: int, seconds: float, out: str | None) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the relay during the closed-loop phase: a flame graph SVG at ``out``."""
    if out is None:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [
            spy,
            "record",
            "-p",
            str(pid),
            "-d",
            str(int(seconds)),
            "-r",
            "250",
            "-o",
            out,
            "-f",
            "raw" if out.endswith(".txt") else "flamegraph",
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def bare_forwarder() -> Iterator[str]:
    """``bare_forwarder.py`` (the round trip and nothing else) on a free port, with the same
    module client connected to it: the floor that shows how close the relay runs to Python."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bare_forwarder.py")), str(port)]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.05)
        with module_stand_in(url, "-"):
            yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(
    seconds: float, concurrency: int, rate: float, profile: str | None = None, workers: int = 1
) -> None:
    with (
        relay_process(WORKERS=str(workers)) as relay,
        module_stand_in(relay.url, new_token(relay)),
    ):
        headers = {"x-api-key": relay.key}
        forward = Load(
            relay.url,
            "GET",
            "/world-info",
            headers,
            params={"clientId": CLIENT_ID},
            concurrency=concurrency,
            seconds=seconds,
        )
        run(
            Load(
                relay.url,
                "GET",
                "/world-info",
                headers,
                params={"clientId": CLIENT_ID},
                concurrency=2,
                seconds=1,
            )
        )
        spy = profiler(relay.pid, seconds, profile)
        if wrk_available():
            tool = "wrk, 2 processes"
            rps, pct, errors = run_wrk(
                relay.url,
                f"/world-info?clientId={CLIENT_ID}",
                headers=headers,
                seconds=seconds,
                connections=concurrency,
            )
            floor_rps, floor_pct, _ = run_wrk(
                relay.url, "/api/status", seconds=seconds, connections=concurrency
            )
            with bare_forwarder() as bare_url:
                bare_rps, bare_pct, _ = run_wrk(
                    bare_url, "/world-info", seconds=seconds, connections=concurrency
                )
            bare_text = f"p50 {bare_pct['50'] * 1000:.1f} ms  p99 {bare_pct['99'] * 1000:.1f} ms"
            closed = f"p50 {pct['50'] * 1000:.1f} ms  p99 {pct['99'] * 1000:.1f} ms"
            floor_text = f"p50 {floor_pct['50'] * 1000:.1f} ms  p99 {floor_pct['99'] * 1000:.1f} ms"
        else:
            tool = "httpx, 2 processes (install wrk for a client that does not eat the CPU)"
            lat, rps, errors = run(forward)
            floor_lat, floor_rps, _ = run(
                Load(relay.url, "GET", "/api/status", concurrency=concurrency, seconds=seconds)
            )
            closed, floor_text = fmt(summary(lat)), fmt(summary(floor_lat))
            with bare_forwarder() as bare_url:
                bare_lat, bare_rps, _ = run(
                    Load(bare_url, "GET", "/world-info", concurrency=concurrency, seconds=seconds)
                )
            bare_text = fmt(summary(bare_lat))
        if spy is not None:
            spy.wait(timeout=seconds + 60)
        paced_lat, paced_errors = run_paced(
            relay.url,
            f"/world-info?clientId={CLIENT_ID}",
            headers=headers,
            rate=rate,
            seconds=seconds,
        )
        paced_rps = len(paced_lat) / seconds
        paced_floor_lat, _ = run_paced(relay.url, "/api/status", rate=rate, seconds=seconds)
        time.sleep(0.1)
    shape = f"{workers} worker processes, " if workers > 1 else ""
    header(
        f"P6 forwarding through one module client ({shape}{seconds:g} s per phase; load: {tool})"
    )
    print(f"closed loop  : {rps:8.0f} req/s  {closed}  non-2xx {errors}")
    print(f"floor        : {floor_rps:8.0f} req/s  {floor_text}  (GET /api/status)")
    print(f"ratio throughput forwarded/floor: {rps / floor_rps:.2f}")
    print(f"bare forwarder: {bare_rps:8.0f} req/s  {bare_text}  (the round trip alone, no auth)")
    print(f"ratio throughput forwarded/bare forwarder: {rps / bare_rps:.2f} (target >= 0.8)")
    paced_stats = summary(paced_lat)
    print(f"at {rate:g} req/s : {paced_rps:8.0f} req/s  {fmt(paced_stats)}  errors {paced_errors}")
    print(f"floor at {rate:g}  : {fmt(summary(paced_floor_lat))}  (GET /api/status, same pacing)")
    verdict("P6 throughput", rps, 2000, lower_is_better=False, unit=" /s")
    verdict(f"P6 p99 at {rate:g} req/s", paced_stats["p99"] * 1000, 25, unit=" ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--profile", help="write a py-spy flame graph (SVG) of the closed loop")
    parser.add_argument(
        "--workers", type=int, default=1, help="serve --workers N (the module on one of them)"
    )
    args = parser.parse_args()
    if args.profile and args.workers > 1:
        parser.error("--profile samples one process: use it with --workers 1")
    main(args.seconds, args.concurrency, args.rate, args.profile, args.workers)
