"""A small HTTP load generator for the throughput benchmarks: N worker processes, each with an
httpx client and several concurrent tasks, closed-loop (as fast as answered) or open-loop (a
fixed request rate). Returns every latency."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Load:
    url: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    concurrency: int = 8
    seconds: float = 5.0
    rate: float = 0.0  # requests/s for this worker; 0 = closed loop


async def _worker(load: Load, barrier: Any = None) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(
        max_connections=load.concurrency, max_keepalive_connections=load.concurrency
    )
    async with httpx.AsyncClient(base_url=load.url, limits=limits, timeout=30) as http:
        # Open the connections and let every worker finish starting up before the clock starts,
        # so no worker measures another's interpreter start-up.
        warm = min(load.concurrency, 8)
        await asyncio.gather(*(http.get("/api/status") for _ in range(warm)))
        if barrier is not None:
            await asyncio.to_thread(barrier.wait)
        end = time.perf_counter() + load.seconds

        async def one() -> None:
            nonlocal errors
            began = time.perf_counter()
            r = await http.request(
                load.method, load.path, headers=load.headers, json=load.json, params=load.params
            )
            latencies.append(time.perf_counter() - began)
            if r.status_code >= 400:
                errors += 1

        if load.rate <= 0:

            async def loop() -> None:
                while time.perf_counter() < end:
                    await one()

            await asyncio.gather(*(loop() for _ in range(load.concurrency)))
        else:
            interval = 1.0 / load.rate
            tasks = []
            next_at = time.perf_counter()
            while next_at < end:
                now = time.perf_counter()
                if next_at > now:
                    await asyncio.sleep(next_at - now)
                tasks.append(asyncio.create_task(one()))
                next_at += interval
            await asyncio.gather(*tasks)
    return latencies, len(latencies), errors


def _run(load: Load, out: Any, barrier: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    out.put(asyncio.run(_worker(load, barrier)))


def run(load: Load, processes: int = 2) -> tuple[list[float], float, int]:
    """Run ``load`` in ``processes`` workers at once; (latencies, requests/s, errors)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    barrier = ctx.Barrier(processes)
    workers = [ctx.Process(target=_run, args=(load, queue, barrier)) for _ in range(processes)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=load.seconds + 120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    latencies = [x for r in results for x in r[0]]
    count = sum(r[1] for r in results)
    errors = sum(r[2] for r in results)
    return latencies, count / load.seconds, errors


# -- wrk: a C load generator, so the client does not eat the CPU the relay needs ------------------


def wrk_available() -> bool:
    import shutil

    return shutil.which("wrk") is not None


def _unit(text: str) -> float:
    """wrk's '1.23ms' / '456.00us' / '1.01s' into seconds."""
    for suffix, scale in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text)


def run_wrk(
    url: str,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    seconds: float = 5.0,
    connections: int = 4,
    processes: int = 2,
) -> tuple[float, dict[str, float], int]:
    """``processes`` wrk processes (one thread each) at once: (requests/s, latency percentiles in
    seconds — the worst process's —, non-2xx responses)."""
    import os
    import re
    import subprocess
    import tempfile

    lines = [f'wrk.method = "{method}"']
    for name, value in (headers or {}).items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        procs = [
            subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{connections}",
                    f"-d{max(1, round(seconds))}s",
                    "--latency",
                    "-s",
                    script.name,
                    url + path,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(processes)
        ]
        outputs = [p.communicate(timeout=seconds + 60)[0] for p in procs]
    finally:
        os.unlink(script.name)
    rps = 0.0
    errors = 0
    worst: dict[str, float] = {}
    for out in outputs:
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if match is None:
            raise RuntimeError("wrk failed:\n" + out)
        rps += float(match.group(1))
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        errors += int(bad.group(1)) if bad else 0
        for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M):
            worst[pct] = max(worst.get(pct, 0.0), _unit(value))
    return rps, worst, errors


# -- a paced (open-loop) generator light enough for one process to hold 500+ req/s ---------------


async def _paced(
    host: str, port: int, request: bytes, rate: float, seconds: float, max_connections: int
) -> tuple[list[float], int]:
    """Send ``request`` at ``rate``/s over keep-alive connections; latency is measured from each
    request's scheduled time, so a stalled server is not hidden (no coordinated omission)."""
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    opened = 0
    latencies: list[float] = []
    errors = 0

    async def connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        nonlocal opened
        if idle.empty() and opened < max_connections:
            opened += 1
            return await asyncio.open_connection(host, port)
        return await idle.get()

    async def one(scheduled: float) -> None:
        nonlocal errors
        scheduled = min(scheduled, time.perf_counter())  # the sleep may wake a little early
        reader, writer = await connection()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - scheduled)
        if not head.startswith(b"HTTP/1.1 2"):
            errors += 1
        idle.put_nowait((reader, writer))

    for _ in range(4):  # warm connections
        await one(time.perf_counter())
    latencies.clear()
    tasks = []
    start = time.perf_counter()
    total = int(rate * seconds)
    for n in range(total):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        _, writer = idle.get_nowait()
        writer.close()
    return latencies, errors


def run_paced(
    url: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    rate: float,
    seconds: float,
    max_connections: int = 64,
) -> tuple[list[float], int]:
    """Open-loop load at ``rate`` req/s from this process (uvloop when installed)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    return runner(
        _paced(
            parts.hostname or "127.0.0.1", parts.port or 80, request, rate, seconds, max_connections
        )
    )
