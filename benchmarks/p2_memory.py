"""P2: PSS of the whole relay process tree (relay + Playwright driver + browser) with 1/5/10/20
idle sessions, against the same number of bare Playwright contexts on the game page.
Targets: ≤ 30 MB marginal per session; 20 sessions ≤ 1 GB total."""

from __future__ import annotations

import argparse
import asyncio

import httpx
from common import (
    BareFlow,
    bare_tree,
    header,
    new_token,
    prepare_start,
    pss_bytes,
    relay_process,
    simulator,
    start_session,
    tree,
    verdict,
    ws_url,
)

MB = 1024 * 1024


async def main(counts: list[int], settle: float) -> None:
    relay_pss: dict[int, float] = {}
    bare_pss: dict[int, float] = {}
    top = max(counts)
    with relay_process() as relay:
        async with (
            simulator(2 * top) as sim,
            httpx.AsyncClient(base_url=relay.url, timeout=120) as http,
        ):
            started = 0
            for count in counts:
                while started < count:
                    body = await prepare_start(http, relay, sim.url, f"GM{started}")
                    await start_session(http, relay, body)
                    started += 1
                await asyncio.sleep(settle)
                relay_pss[count] = pss_bytes(tree(relay.pid)) / MB
            token = new_token(relay)
            async with BareFlow() as bare:
                contexts = []
                for count in counts:
                    while len(contexts) < count:
                        contexts.append(
                            await bare.start(
                                sim.url, f"GM{top + len(contexts)}", ws_url(relay), token
                            )
                        )
                    await asyncio.sleep(settle)
                    bare_pss[count] = pss_bytes(bare_tree(relay.pid)) / MB
    header("P2 memory: PSS of the process tree with idle sessions")
    print(f"{'sessions':>8} {'relay tree MB':>14} {'bare floor MB':>14} {'ratio':>6}")
    for count in counts:
        print(
            f"{count:>8} {relay_pss[count]:>14.1f} {bare_pss[count]:>14.1f}"
            f" {relay_pss[count] / bare_pss[count]:>6.2f}"
        )
    low, high = min(counts), max(counts)
    if high > low:
        marginal = (relay_pss[high] - relay_pss[low]) / (high - low)
        floor = (bare_pss[high] - bare_pss[low]) / (high - low)
        print(
            f"marginal per session: relay {marginal:.1f} MB, bare floor {floor:.1f} MB"
            f" (ratio {marginal / floor:.2f})"
        )
        verdict("P2 marginal MB per session", marginal, 30.0, unit=" MB")
    if high >= 20:
        verdict("P2 total with 20 sessions", relay_pss[20], 1024.0, unit=" MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--settle", type=float, default=2.0, help="seconds before measuring")
    args = parser.parse_args()
    asyncio.run(main(sorted(args.counts), args.settle))
