"""P9 (issue 13's "P8": that number was taken by the idle footprint): one module event fanned
out to 1, 10, 100 and 500 server-sent event subscribers on loopback. For each size: delivery
latency p50/p99 from the module's send to each subscriber's receipt (events paced at 50/s),
deliveries per second in a burst, the relay's CPU per delivery, and its memory per idle
subscriber. Floor: the same fan-out by a bare Starlette SSE endpoint fed from an in-process
queue (``bare_fanout.py``), measured the same way in the same run.
Targets: p99 ≤ 50 ms at 100 subscribers; ≥ 20,000 deliveries/s; ≤ 50 KB per idle subscriber."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from common import header, new_token, pss_bytes, relay_process, summary, verdict

CLIENT_ID = "fvtt_benchmark000001"
SIZES = (1, 10, 100, 500)
PACED = 100  # events per size at 50/s for latency
KB = 1024


def _uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()


def module_process(ws_url: str, token: str, pipe: Any) -> None:
    """The stand-in module: sends ``roll-data`` frames stamped with their send time."""
    _uvloop()
    from websockets.asyncio.client import connect

    async def main() -> None:
        url = f"{ws_url}/relay?id={CLIENT_ID}&worldId=bench&worldTitle=Bench"
        async with connect(url, max_size=None, compression=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            await ws.recv()
            pipe.send("ready")
            loop = asyncio.get_running_loop()
            while True:
                command = await loop.run_in_executor(None, pipe.recv)
                if command[0] == "stop":
                    return
                _, count, rate = command
                start = time.perf_counter()
                for i in range(count):
                    data = {"id": f"r{i}", "rollTotal": i, "sentNs": time.time_ns()}
                    await ws.send(json.dumps({"type": "roll-data", "data": data}))
                    if rate:
                        delay = start + (i + 1) / rate - time.perf_counter()
                        if delay > 0:
                            await asyncio.sleep(delay)
                pipe.send(("sent", time.time_ns()))

    asyncio.run(main())


def subscribers_process(port: int, target: str, count: int, pipe: Any) -> None:
    """``count`` SSE connections in one process; each data line's latency is recorded."""
    _uvloop()

    async def main() -> None:
        latencies: list[float] = []
        received = [0, 0]  # deliveries, last receipt (ns)

        async def follow(reader: asyncio.StreamReader) -> None:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if line.startswith(b"data: {") and b"sentNs" in line:
                    now = time.time_ns()
                    sent = json.loads(line[6:])["sentNs"]
                    latencies.append((now - sent) / 1e6)
                    received[0] += 1
                    received[1] = now

        streams = []
        for _ in range(count):
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
            writer.write(target.encode())
            await writer.drain()
            while b"event: connected" not in await reader.readline():
                pass
            streams.append((reader, writer))
        tasks = [asyncio.create_task(follow(r)) for r, _ in streams]
        pipe.send("ready")
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command == "collect":
                pipe.send((list(latencies), received[0], received[1]))
                latencies.clear()
                received[0] = 0
            else:
                for task in tasks:
                    task.cancel()
                for _, writer in streams:
                    writer.close()
                pipe.send("closed")
                return

    asyncio.run(main())


@dataclass
class Figures:
    p50: float
    p99: float
    per_second: float
    cpu_us: float
    kb_per_sub: float


def _wait_deliveries(pipe: Any, expected: int, timeout: float) -> tuple[list[float], int, int]:
    deadline = time.time() + timeout
    got: list[float] = []
    delivered, last = 0, 0
    while time.time() < deadline:
        pipe.send("collect")
        lat, n, last_ns = pipe.recv()
        got += lat
        delivered += n
        last = max(last, last_ns)
        if delivered >= expected:
            break
        time.sleep(0.1)
    return got, delivered, last


def measure(url: str, target: str, pid: int, module: Any, size: int) -> Figures:
    port = int(url.rsplit(":", 1)[1])
    me = psutil.Process(pid)
    before = pss_bytes([me])
    ours, theirs = mp.Pipe()
    subs = mp.get_context("spawn").Process(
        target=subscribers_process, args=(port, target, size, theirs), daemon=True
    )
    subs.start()
    if ours.recv() != "ready":
        raise RuntimeError("the subscribers did not connect")
    time.sleep(0.5)
    kb_per_sub = max(pss_bytes([me]) - before, 0) / size / KB
    # Latency: paced events.
    module.send(("send", PACED, 50))
    module.recv()
    lat, delivered, _ = _wait_deliveries(ours, PACED * size, 30)
    if delivered < PACED * size:
        raise RuntimeError(f"{delivered} of {PACED * size} paced deliveries arrived")
    stats = summary([x / 1000 for x in lat])
    # Throughput: a burst as fast as the module sends.
    burst = max(100, 20_000 // size)
    cpu0 = sum(me.cpu_times()[:2])
    start = time.time_ns()
    module.send(("send", burst, 0))
    module.recv()
    _, delivered, last = _wait_deliveries(ours, burst * size, 60)
    cpu = sum(me.cpu_times()[:2]) - cpu0
    if delivered < burst * size:
        raise RuntimeError(f"{delivered} of {burst * size} burst deliveries arrived")
    per_second = delivered / max((last - start) / 1e9, 1e-9)
    ours.send("close")
    ours.recv()
    subs.join(10)
    return Figures(
        stats["median"] * 1000,
        stats["p99"] * 1000,
        per_second,
        cpu / max(delivered, 1) * 1e6,
        kb_per_sub,
    )


@contextlib.contextmanager
def module_for(url: str, token: str) -> Iterator[Any]:
    ours, theirs = mp.Pipe()
    proc = mp.get_context("spawn").Process(
        target=module_process, args=(url.replace("http://", "ws://"), token, theirs), daemon=True
    )
    proc.start()
    if ours.recv() != "ready":
        raise RuntimeError("the module did not connect")
    try:
        yield ours
    finally:
        ours.send(("stop",))
        proc.join(5)


@contextlib.contextmanager
def bare_server() -> Iterator[tuple[str, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bare_fanout.py")), str(port)]
    )
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def row(size: int, f: Figures) -> str:
    return (
        f"{size:>4} subscribers: p50 {f.p50:6.1f} ms  p99 {f.p99:6.1f} ms  "
        f"{f.per_second:9.0f} deliveries/s  {f.cpu_us:6.1f} µs CPU/delivery  "
        f"{f.kb_per_sub:6.1f} KB/subscriber"
    )


def main(sizes: tuple[int, ...]) -> None:
    results: dict[int, Figures] = {}
    floor: dict[int, Figures] = {}
    # A burst outruns a reader for a moment: a queue as deep as the burst measures the fan-out
    # (the floor's queues are unbounded) rather than the drop of a subscriber that falls behind.
    env = {
        "MAX_SUBSCRIBERS_PER_CLIENT": "0",
        "MAX_SUBSCRIBERS_PER_KEY": "0",
        "EVENT_QUEUE_SIZE": "100000",
    }
    with relay_process(**env) as relay:
        target = (
            f"GET /rolls/subscribe?clientId={CLIENT_ID} HTTP/1.1\r\nHost: bench\r\n"
            f"x-api-key: {relay.key}\r\n\r\n"
        )
        with module_for(relay.url, new_token(relay)) as module:
            for size in sizes:
                results[size] = measure(relay.url, target, relay.pid, module, size)
    with bare_server() as (url, pid), module_for(url, "-") as module:
        target = "GET /sse HTTP/1.1\r\nHost: bench\r\n\r\n"
        for size in sizes:
            floor[size] = measure(url, target, pid, module, size)
    header("P9 event fan-out: one module event to N server-sent event subscribers")
    print("relay:")
    for size in sizes:
        print("  " + row(size, results[size]))
    print("bare Starlette SSE fed from an in-process queue (floor):")
    for size in sizes:
        print("  " + row(size, floor[size]))
    for size in sizes:
        ratio = results[size].per_second / max(floor[size].per_second, 1)
        print(f"ratio deliveries/s relay/floor at {size}: {ratio:.2f}")
    if 100 in results:
        verdict("P9 p99 at 100 subscribers", results[100].p99, 50, unit=" ms")
    best = max(f.per_second for f in results.values())
    verdict("P9 deliveries per second", best, 20_000, lower_is_better=False, unit=" /s")
    biggest = max(sizes)
    verdict(
        f"P9 memory per idle subscriber ({biggest})", results[biggest].kb_per_sub, 50, unit=" KB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args()
    main(tuple(int(x) for x in args.sizes.split(",")))
