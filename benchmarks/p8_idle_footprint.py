"""P8: the relay's footprint once its sessions have ended. PSS of the relay's process tree
before the first session, with one session, right after it ended (browser, spare context and
driver still up), and after the quiet period ``HEADLESS_IDLE_RELEASE`` has closed them; then the
cold start that follows against a warm one. Target: idle after release ≤ 110 MB (the
established relay's Node server idle)."""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
import psutil
from common import (
    RelayProcess,
    header,
    pair_world,
    prepare_start,
    pss_bytes,
    relay_process,
    simulator,
    start_session,
    tree,
    verdict,
)

MB = 1024 * 1024


def browser_running(relay_pid: int) -> bool:
    for proc in tree(relay_pid)[1:]:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and "chrom" in " ".join(proc.cmdline()[:1]):
                return True
        except psutil.Error:  # gone (or a zombie) while looking
            continue
    return False


async def timed_start(
    http: httpx.AsyncClient, relay: RelayProcess, sim_url: str, user: str
) -> tuple[float, str]:
    body = await prepare_start(http, relay, sim_url, user)
    began = time.perf_counter()
    session = await start_session(http, relay, body)
    return time.perf_counter() - began, session["sessionId"]


async def main(quiet: float, settle: float) -> None:
    figures: dict[str, float] = {}
    with relay_process(HEADLESS_IDLE_RELEASE=str(quiet)) as relay:
        headers = {"x-api-key": relay.key}
        async with simulator(3) as sim, httpx.AsyncClient(base_url=relay.url, timeout=60) as http:
            pair_world(sim, relay)
            await asyncio.sleep(settle)
            figures["before any session"] = pss_bytes(tree(relay.pid)) / MB
            first, sid = await timed_start(http, relay, sim.url, "GM0")
            await asyncio.sleep(settle)
            figures["one session"] = pss_bytes(tree(relay.pid)) / MB
            end = await http.delete("/end-session", params={"sessionId": sid}, headers=headers)
            end.raise_for_status()
            await asyncio.sleep(settle)
            figures["just ended"] = pss_bytes(tree(relay.pid)) / MB
            deadline = time.monotonic() + quiet + 30
            while browser_running(relay.pid) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            released = not browser_running(relay.pid)
            await asyncio.sleep(settle)
            figures["idle, after the quiet period"] = pss_bytes(tree(relay.pid)) / MB
            cold, sid = await timed_start(http, relay, sim.url, "GM1")
            await http.delete("/end-session", params={"sessionId": sid}, headers=headers)
            warm, sid = await timed_start(http, relay, sim.url, "GM2")
            await http.delete("/end-session", params={"sessionId": sid}, headers=headers)
    header(f"P8 idle footprint (HEADLESS_IDLE_RELEASE={quiet:g} s)")
    for label, mb in figures.items():
        print(f"{label:30}: {mb:7.1f} MB PSS")
    print(f"browser closed after the quiet period: {released}")
    print(f"first start (cold, relay just up): {first * 1000:7.1f} ms")
    print(f"start after release (cold): {cold * 1000:7.1f} ms; warm start: {warm * 1000:7.1f} ms")
    verdict("P8 idle PSS after release", figures["idle, after the quiet period"], 110, unit=" MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quiet", type=float, default=3.0, help="HEADLESS_IDLE_RELEASE")
    parser.add_argument("--settle", type=float, default=1.0)
    args = parser.parse_args()
    asyncio.run(main(args.quiet, args.settle))
