"""P4: 10 concurrent ``/start-session`` calls: all must succeed, and the wall time must stay within
1.3 × the same 10 flows run concurrently by the bare Playwright script in the same run."""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
from common import (
    BareFlow,
    end_via_relay,
    header,
    new_token,
    pair_world,
    prepare_start,
    relay_process,
    simulator,
    start_session,
    verdict,
    ws_url,
)


async def main(concurrency: int, rounds: int) -> None:
    relay_walls: list[float] = []
    bare_walls: list[float] = []
    failures = 0
    users = iter(f"GM{i}" for i in range(10_000))
    with relay_process() as relay:
        async with (
            simulator(2 * concurrency * (rounds + 1)) as sim,
            BareFlow() as bare,
            httpx.AsyncClient(base_url=relay.url, timeout=120) as http,
        ):
            token = new_token(relay)
            pair_world(sim, relay)
            for round_no in range(-1, rounds):  # round -1 warms up
                bodies = [
                    await prepare_start(http, relay, sim.url, next(users))
                    for _ in range(concurrency)
                ]
                began = time.perf_counter()
                results = await asyncio.gather(
                    *(start_session(http, relay, b) for b in bodies), return_exceptions=True
                )
                wall = time.perf_counter() - began
                ok = [r for r in results if isinstance(r, dict)]
                failures += len(results) - len(ok) if round_no >= 0 else 0
                for r in ok:
                    await end_via_relay(http, relay, r["sessionId"])
                names = [next(users) for _ in range(concurrency)]
                began = time.perf_counter()
                contexts = await asyncio.gather(
                    *(bare.start(sim.url, name, ws_url(relay), token) for name in names)
                )
                bare_wall = time.perf_counter() - began
                for context in contexts:
                    await context.close()
                if round_no >= 0:
                    relay_walls.append(wall)
                    bare_walls.append(bare_wall)
    header(f"P4 {concurrency} concurrent starts ({rounds} rounds)")
    for i, (r, b) in enumerate(zip(relay_walls, bare_walls, strict=True)):
        print(f"round {i}: relay {r * 1000:7.1f} ms   bare {b * 1000:7.1f} ms   ratio {r / b:.2f}")
    relay_median = sorted(relay_walls)[len(relay_walls) // 2]
    bare_median = sorted(bare_walls)[len(bare_walls) // 2]
    print(f"failed starts: {failures}")
    verdict("P4 wall ratio (median round)", relay_median / bare_median, 1.3)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.concurrency, args.rounds))
