"""P3: CPU of the relay process tree with 20 idle sessions, averaged over 10 s, against the same
number of idle bare Playwright game pages. Target: ≤ 5 % of one core."""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
from common import (
    BareFlow,
    bare_tree,
    cpu_seconds,
    header,
    new_token,
    pair_world,
    prepare_start,
    relay_process,
    simulator,
    start_session,
    tree,
    verdict,
    ws_url,
)


async def measure(procs_fn: object, seconds: float) -> float:
    procs = procs_fn()  # type: ignore[operator]
    before, began = cpu_seconds(procs), time.monotonic()
    await asyncio.sleep(seconds)
    procs = procs_fn()  # type: ignore[operator]
    return (cpu_seconds(procs) - before) / (time.monotonic() - began) * 100


async def main(sessions: int, seconds: float) -> None:
    with relay_process() as relay:
        async with (
            simulator(2 * sessions) as sim,
            httpx.AsyncClient(base_url=relay.url, timeout=120) as http,
        ):
            pair_world(sim, relay)
            for i in range(sessions):
                body = await prepare_start(http, relay, sim.url, f"GM{i}")
                await start_session(http, relay, body)
            await asyncio.sleep(2)
            relay_cpu = await measure(lambda: tree(relay.pid), seconds)
            token = new_token(relay)
            async with BareFlow() as bare:
                for i in range(sessions):
                    await bare.start(sim.url, f"GM{sessions + i}", ws_url(relay), token)
                await asyncio.sleep(2)
                bare_cpu = await measure(lambda: bare_tree(relay.pid), seconds)
    header(f"P3 idle CPU with {sessions} sessions over {seconds:g} s")
    print(f"relay tree : {relay_cpu:6.2f} % of one core")
    print(f"bare floor : {bare_cpu:6.2f} % of one core (browser + driver, same pages)")
    print(f"ratio      : {relay_cpu / bare_cpu if bare_cpu > 0 else float('inf'):.2f}")
    verdict("P3 idle CPU", relay_cpu, 5.0, unit=" %")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(main(args.sessions, args.seconds))
