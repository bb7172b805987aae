"""P7: ``DELETE /end-session`` until the session's renderer process has exited, against a bare
Playwright ``context.close()`` until its renderer exits. Target: ≤ 0.5 s."""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
import psutil
from common import (
    BareFlow,
    fmt,
    header,
    new_token,
    pair_world,
    prepare_start,
    relay_process,
    renderer_pids,
    simulator,
    start_session,
    summary,
    verdict,
    ws_url,
)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def one_exits(pids: set[int], timeout: float = 10) -> None:
    """Chromium keeps a spare renderer and may hand it to the next context, so the session's
    renderer is not "the new pid": wait until one of the renderers alive before the end exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(not _alive(p) for p in pids):
            return
        await asyncio.sleep(0.002)
    raise RuntimeError("no renderer exited")


def browser_of(relay_pid: int) -> int:
    for proc in psutil.Process(relay_pid).children(recursive=True):
        cmd = proc.cmdline()
        if (
            any(a.startswith("--foundry-relay-owner=") for a in cmd)
            and "--type" not in " ".join(cmd)
            and "chromium" in cmd[0]
        ):
            return proc.pid
    raise RuntimeError("no browser")


async def main(runs: int) -> None:
    relay_times: list[float] = []
    bare_times: list[float] = []
    with relay_process() as relay:
        async with (
            simulator(2 * runs + 2) as sim,
            BareFlow() as bare,
            httpx.AsyncClient(base_url=relay.url, timeout=60) as http,
        ):
            token = new_token(relay)
            pair_world(sim, relay)
            for i in range(-1, runs):
                body = await prepare_start(http, relay, sim.url, f"GM{2 * i + 2}")
                session = await start_session(http, relay, body)
                renderers = renderer_pids(browser_of(relay.pid))
                began = time.perf_counter()
                r = await http.delete(
                    "/end-session",
                    params={"sessionId": session["sessionId"]},
                    headers={"x-api-key": relay.key},
                )
                r.raise_for_status()
                await one_exits(renderers)
                if i >= 0:
                    relay_times.append(time.perf_counter() - began)
                context = await bare.start(sim.url, f"GM{2 * i + 3}", ws_url(relay), token)
                bare_browser = bare.browser_pid()
                assert bare_browser is not None
                renderers = renderer_pids(bare_browser)
                began = time.perf_counter()
                await context.close()
                await one_exits(renderers)
                if i >= 0:
                    bare_times.append(time.perf_counter() - began)
    relay_stats, bare_stats = summary(relay_times), summary(bare_times)
    header(f"P7 end-session until the renderer exits ({runs} runs)")
    print(f"relay DELETE /end-session: {fmt(relay_stats)}")
    print(f"bare context.close()     : {fmt(bare_stats)}")
    print(f"ratio p50: {relay_stats['median'] / bare_stats['median']:.2f}")
    verdict("P7 end-session p50", relay_stats["median"], 0.5, unit=" s")
    verdict("P7 end-session max", relay_stats["max"], 0.5, unit=" s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args().runs))
