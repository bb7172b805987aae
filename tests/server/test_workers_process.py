"""``foundry-relay serve --workers 2`` as real processes sharing one port: the kernel hands each
connection to either worker, and every client is reachable from every connection; a worker
killed is started again, and the relay stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import threading
from pathlib import Path

import httpx

from foundry_relay.settings import Settings
from foundry_relay.store import Store

from ..conftest import remember_secret, wait_until
from ..processes import spawn_listening
from .module_client import FakeModule
from .test_cluster import echo


async def _spread(
    url: str, store: Store, key_id: str, key: str, name: str
) -> dict[str, FakeModule]:
    """Connect modules until both workers hold one; clientId → module."""
    modules: dict[str, FakeModule] = {}
    for i in range(40):
        _, token = store.create_token(key_id, f"{name}{i}")
        module = FakeModule(url.replace("http://", "ws://") + "/relay", f"{name}{i}", token=token)
        assert (await module.connect())["type"] == "auth-success"
        module.serve(echo(f"{name}{i}"))
        modules[f"{name}{i}"] = module
        placement = await _placement(url, key)
        if len({placement.get(c) for c in modules}) == 2:
            break
    return modules


async def _placement(url: str, key: str) -> dict[str, str]:
    """Online clientId → the worker holding it (w0, w1), as the primary's directory says."""
    async with httpx.AsyncClient(base_url=url, headers={"x-api-key": key}) as http:
        listed = (await http.get("/clients")).json()["clients"]
    return {c["clientId"]: c["instanceId"][-2:] for c in listed if c["isOnline"]}


async def _all_reachable(url: str, client_ids: list[str], key: str) -> None:
    for _ in range(6):  # fresh connections: each lands on either worker
        async with httpx.AsyncClient(base_url=url, headers={"x-api-key": key}) as http:
            for client_id in client_ids:
                reply = await http.get("/world-info", params={"clientId": client_id})
                assert reply.status_code == 200, reply.text
                assert reply.json()["data"]["served"] == client_id


async def test_two_worker_processes_share_the_port(tmp_path: Path) -> None:
    proc, url, line = spawn_listening(
        "serve",
        "--workers",
        "2",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path),
        env={"LOG_LEVEL": "INFO", "ALLOW_HEADLESS": "false"},
        timeout=90,
    )
    assert proc.stdout is not None
    lines: list[str] = []  # drained all along: a full pipe would stall the relay's logging
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    try:
        pids = [int(p) for p in re.search(r"\(pids ([\d, ]+)\)", line).group(1).split(", ")]  # type: ignore[union-attr]
        store = Store(Settings(_env_file=None, data_dir=tmp_path).db_path)  # type: ignore[call-arg]
        record, key = store.create_key("k")
        key_id, key = record.id, remember_secret(key)
        modules = await _spread(url, store, key_id, key, "a")
        placement = await _placement(url, key)
        assert set(placement.values()) == {"w0", "w1"}, placement
        await _all_reachable(url, list(modules), key)

        # Worker 1 dies: its clients are gone from the directory, and it is started again.
        os.kill(pids[1], signal.SIGKILL)
        on_w1 = [c for c, w in placement.items() if w == "w1"]

        async def gone() -> bool:
            return not set(on_w1) & set(await _placement(url, key))

        assert await wait_until(gone, timeout=10)
        survivors = [c for c, w in placement.items() if w == "w0"]
        await _all_reachable(url, survivors, key)
        # started again (its first start was logged before "listening")
        assert await wait_until(lambda: any("worker 1 serving" in x for x in lines), timeout=30)
        more = await _spread(
            url, store, key_id, key, "b"
        )  # the restarted worker takes clients again
        assert "w1" in {w for c, w in (await _placement(url, key)).items() if c in more}
        await _all_reachable(url, survivors + list(more), key)
        for module in [*modules.values(), *more.values()]:
            await module.close()
        store.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    reader.join(10)
    assert code == 0
    out = "".join(lines)
    assert "worker 1 exited" in out and "starting it again" in out
    assert not re.search(r"Traceback|ERROR", out), out[-3000:]
