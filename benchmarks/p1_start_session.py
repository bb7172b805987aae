"""P1: ``/start-session`` wall time, warm browser, world running, against a bare Playwright
script doing the same steps in the same run. Target: p50 ≤ 1.25 × the bare script's p50."""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
from common import (
    BareFlow,
    end_via_relay,
    fmt,
    header,
    new_token,
    pair_world,
    prepare_start,
    relay_process,
    simulator,
    start_session,
    summary,
    verdict,
    ws_url,
)


async def main(runs: int) -> None:
    with relay_process() as relay:
        async with (
            simulator(2 * runs + 2) as sim,
            BareFlow() as bare,
            httpx.AsyncClient(base_url=relay.url, timeout=60) as http,
        ):
            token = new_token(relay)
            pair_world(sim, relay)
            relay_times: list[float] = []
            bare_times: list[float] = []
            for i in range(-1, runs):  # run -1 warms both browsers up
                user = f"GM{2 * i + 2}"
                body = await prepare_start(http, relay, sim.url, user)
                began = time.perf_counter()
                session = await start_session(http, relay, body)
                elapsed = time.perf_counter() - began
                await end_via_relay(http, relay, session["sessionId"])
                if i >= 0:
                    relay_times.append(elapsed)
                user = f"GM{2 * i + 3}"
                # Like for like: the relay takes a context it prepared while idle, so the bare
                # script gets one made before its timer too.
                prepared = await bare.prepare()
                began = time.perf_counter()
                context = await bare.start(sim.url, user, ws_url(relay), token, prepared)
                elapsed = time.perf_counter() - began
                await context.close()
                if i >= 0:
                    bare_times.append(elapsed)
    relay_stats, bare_stats = summary(relay_times), summary(bare_times)
    header(f"P1 /start-session, warm browser, world running ({runs} runs)")
    print(f"relay /start-session : {fmt(relay_stats)}")
    print(f"bare Playwright floor: {fmt(bare_stats)}")
    verdict("P1 ratio relay p50 / bare p50", relay_stats["median"] / bare_stats["median"], 1.25)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args().runs))
