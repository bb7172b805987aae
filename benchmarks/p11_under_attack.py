"""P11: a legitimate client's latency while the relay is attacked (issue 17). One relay process
with its default limits, a module stand-in connected; a legitimate client on 127.0.0.1 sends
``GET /world-info`` at a fixed rate (open loop, latency from each request's scheduled time)
while an attacker process on other loopback addresses (127.0.0.2 and up) runs one attack:

- ``wrong-keys``: 16 connections in a closed loop, each request with a new wrong API key;
- ``pairing``: 16 connections in a closed loop guessing pairing codes on ``/auth/pair``;
- ``idle``: 8 addresses each trying to hold 300 idle connections (reopened when closed);
- ``slow``: 4 addresses × 200 connections sending a request's headers a byte a second;
- ``unauth-ws``: 8 addresses × 40 WebSockets upgraded and never authenticated (reopened).

Reported per attack: the client's p50/p99, what the attacker saw, and the relay's own refusal
counters (``/metrics``). Target: the client's p99 stays under 50 ms under every attack."""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing as mp
import os
import re
import time
from collections import Counter
from typing import Any

import httpx
from common import fmt, header, new_token, relay_process, summary, verdict
from loadgen import run_paced
from p6_forwarding import CLIENT_ID, module_stand_in

ATTACKS = ("wrong-keys", "pairing", "idle", "slow", "unauth-ws")


def attacker_process(attack: str, port: int, seconds: float, out: Any) -> None:
    """Run ``attack`` against 127.0.0.1:``port`` for ``seconds``; put what it saw in ``out``."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    seen: Counter[str] = Counter()
    asyncio.run(_attack(attack, port, seconds, seen))
    out.put(dict(seen))


async def _attack(attack: str, port: int, seconds: float, seen: Counter[str]) -> None:
    deadline = time.monotonic() + seconds

    async def open_from(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))

    async def closed_loop(worker: int, request: Any) -> None:
        """Requests one after another on a keep-alive connection, reopened when closed."""
        n = 0
        while time.monotonic() < deadline:
            try:
                reader, writer = await open_from("127.0.0.2")
                while time.monotonic() < deadline:
                    writer.write(request(worker, n))
                    n += 1
                    head = await reader.readuntil(b"\r\n\r\n")
                    seen[head[9:12].decode()] += 1
                    length = re.search(rb"(?i)content-length: *(\d+)", head)
                    await reader.readexactly(int(length.group(1)) if length else 0)
                writer.close()
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                seen["connection closed"] += 1

    async def hold(address: str, opening: bytes, trickle: bool) -> None:
        """One connection held open (reopened when the relay closes it): idle after
        ``opening``, or sending one more header byte a second."""
        while time.monotonic() < deadline:
            try:
                reader, writer = await open_from(address)
                seen["opened"] += 1
                writer.write(opening)
                while time.monotonic() < deadline:
                    try:
                        data = await asyncio.wait_for(reader.read(4096), 1.0)
                    except TimeoutError:
                        if trickle:
                            writer.write(b"x")
                        continue
                    if not data:
                        seen["closed by the relay"] += 1
                        break
                    if not data.startswith(b"HTTP/1.1 "):
                        seen["closed after the auth timeout"] += 1  # a WebSocket close frame
                        break
                    seen[f"answered {data[9:12].decode()}"] += 1
                    if not data.startswith(b"HTTP/1.1 101"):
                        break  # refused (a WebSocket upgrade past the cap): reopen
                writer.close()
            except OSError:
                seen["connect failed"] += 1
            await asyncio.sleep(0.2)  # an attacker's reconnect pace, not a busy loop

    def guess_key(worker: int, n: int) -> bytes:
        return f"GET /clients HTTP/1.1\r\nHost: r\r\nx-api-key: frk_w{worker}x{n}\r\n\r\n".encode()

    def guess_code(worker: int, n: int) -> bytes:
        body = f'{{"code":"Q{worker:02d}{n % 1000:03d}","worldId":"w"}}'.encode()
        return (
            b"POST /auth/pair HTTP/1.1\r\nHost: r\r\ncontent-type: application/json\r\n"
            + f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )

    tasks: list[Any] = []
    if attack == "wrong-keys":
        tasks = [closed_loop(w, guess_key) for w in range(16)]
    elif attack == "pairing":
        tasks = [closed_loop(w, guess_code) for w in range(16)]
    elif attack == "idle":
        tasks = [hold(f"127.0.0.{a}", b"", False) for a in range(2, 10) for _ in range(300)]
    elif attack == "slow":
        opening = b"GET /api/status HTTP/1.1\r\nHost: r\r\nX-Slow: "
        tasks = [hold(f"127.0.0.{a}", opening, True) for a in range(2, 6) for _ in range(200)]
    elif attack == "unauth-ws":
        key = base64.b64encode(os.urandom(16)).decode()
        upgrade = (
            "GET /relay?id=attacker HTTP/1.1\r\nHost: r\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        tasks = [hold(f"127.0.0.{a}", upgrade, False) for a in range(2, 10) for _ in range(40)]
    await asyncio.gather(*tasks)


def refusals(url: str) -> Counter[str]:
    """The relay's ``foundry_relay_rate_limited_total`` by limit."""
    text = httpx.get(url + "/metrics", timeout=10).text
    found = re.findall(r'foundry_relay_rate_limited_total\{limit="([^"]+)"\} ([\d.e+]+)', text)
    return Counter({limit: int(float(n)) for limit, n in found})


def main(attacks: list[str], seconds: float, rate: float, warmup: float) -> None:
    path = f"/world-info?clientId={CLIENT_ID}"
    results: dict[str, Any] = {}
    with (
        relay_process(METRICS="open", ALLOW_HEADLESS="false") as relay,
        module_stand_in(relay.url, new_token(relay)),
    ):
        ctx = mp.get_context("spawn")
        headers = {"x-api-key": relay.key}
        port = int(relay.url.rsplit(":", 1)[1])
        run_paced(relay.url, path, headers=headers, rate=rate, seconds=1)  # warm
        for attack in ["none", *attacks]:
            before = refusals(relay.url)
            out = ctx.Queue()
            attacker = None
            if attack != "none":
                args = (attack, port, warmup + seconds + 1, out)
                attacker = ctx.Process(target=attacker_process, args=args, daemon=True)
                attacker.start()
                time.sleep(warmup)  # the attack is in full swing before measuring
            latencies, errors = run_paced(
                relay.url, path, headers=headers, rate=rate, seconds=seconds
            )
            seen = out.get(timeout=60) if attacker is not None else {}
            if attacker is not None:
                attacker.join(30)
            refused = refusals(relay.url) - before
            results[attack] = (summary(latencies), errors, seen, refused)
            time.sleep(1)  # the attack's leftovers closed before the next one
    header(
        f"P11 a legitimate client at {rate:g} req/s under attack "
        f"({seconds:g} s measured per attack, after {warmup:g} s of attack)"
    )
    for attack, (stats, errors, seen, refused) in results.items():
        print(f"{attack:10s}: {fmt(stats)}  client errors {errors}")
        if seen:
            print(f"{'':10s}  attacker saw: {dict(sorted(seen.items()))}")
        if refused:
            print(f"{'':10s}  relay refused: {dict(sorted(refused.items()))}")
    for attack, (stats, errors, _, _) in results.items():
        verdict(f"P11 client p99 under {attack}", stats["p99"] * 1000, 50, unit=" ms")
        if errors:
            print(f"  ({errors} of the client's requests failed under {attack})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attack", action="append", choices=ATTACKS)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()
    main(args.attack or list(ATTACKS), args.seconds, args.rate, args.warmup)
