"""P2: PSS of the whole relay process tree (relay + Playwright driver + browser) with 1/5/10/20
idle sessions, against the same number of bare Playwright contexts on the game page.
Targets: ≤ 30 MB marginal per session; 20 sessions ≤ 1 GB total."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import httpx
from common import (
    BareFlow,
    RelayProcess,
    bare_tree,
    header,
    new_token,
    pair_world,
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


async def _ramp(
    http: httpx.AsyncClient,
    relay: RelayProcess,
    sim_url: str,
    users: Any,
    sessions: list[str],
    count: int,
) -> None:
    while len(sessions) < count:
        body = await prepare_start(http, relay, sim_url, next(users))
        sessions.append((await start_session(http, relay, body))["sessionId"])


async def main(counts: list[int], settle: float) -> None:
    alone: dict[int, float] = {}
    relay_pss: dict[int, float] = {}
    bare_pss: dict[int, float] = {}
    top = max(counts)
    users = iter(f"GM{i}" for i in range(3 * top))
    async with simulator(3 * top) as sim:
        # Phase A, the targets: a relay's tree alone on the machine.
        with relay_process() as relay:
            pair_world(sim, relay)
            async with httpx.AsyncClient(base_url=relay.url, timeout=120) as http:
                sessions: list[str] = []
                for count in counts:
                    await _ramp(http, relay, sim.url, users, sessions, count)
                    await asyncio.sleep(settle)
                    alone[count] = pss_bytes(tree(relay.pid)) / MB
        # Phase B, the floor: a fresh relay and the bare script side by side, measured at the
        # same moment, since PSS splits the pages both browsers share.
        with relay_process() as relay:
            token = new_token(relay)
            pair_world(sim, relay)
            async with (
                httpx.AsyncClient(base_url=relay.url, timeout=120) as http,
                BareFlow() as bare,
            ):
                sessions, contexts = [], []
                for count in counts:
                    await _ramp(http, relay, sim.url, users, sessions, count)
                    while len(contexts) < count:
                        contexts.append(
                            await bare.start(sim.url, next(users), ws_url(relay), token)
                        )
                    await asyncio.sleep(settle)
                    relay_pss[count] = pss_bytes(tree(relay.pid)) / MB
                    bare_pss[count] = pss_bytes(bare_tree(relay.pid)) / MB
    header("P2 memory: PSS of the process tree with idle sessions")
    print(
        f"{'sessions':>8} {'relay alone MB':>15} {'relay MB':>9} {'bare MB':>8} {'ratio':>6}"
        "   (the last three measured side by side)"
    )
    for count in counts:
        print(
            f"{count:>8} {alone[count]:>15.1f} {relay_pss[count]:>9.1f}"
            f" {bare_pss[count]:>8.1f} {relay_pss[count] / bare_pss[count]:>6.2f}"
        )
    low, high = min(counts), max(counts)
    if high > low:
        marginal = (alone[high] - alone[low]) / (high - low)
        side = (relay_pss[high] - relay_pss[low]) / (high - low)
        floor = (bare_pss[high] - bare_pss[low]) / (high - low)
        print(
            f"marginal per session: relay alone {marginal:.1f} MB; side by side relay"
            f" {side:.1f} MB vs bare floor {floor:.1f} MB (ratio {side / floor:.2f})"
        )
        verdict("P2 marginal MB per session", marginal, 30.0, unit=" MB")
    if high >= 20:
        verdict("P2 total with 20 sessions", alone[20], 1024.0, unit=" MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--settle", type=float, default=2.0, help="seconds before measuring")
    args = parser.parse_args()
    asyncio.run(main(sorted(args.counts), args.settle))
