"""``foundry-relay serve --workers N``: one listening socket, N worker processes serving it.

The supervisor binds the port, starts the primary (worker 0: sessions, the browser, the client
directory) and, once it listens, the others; each is a whole relay joined to the rest by
:mod:`foundry_relay.server.cluster`. A worker other than the primary that dies is started
again (its clients reconnect, as modules do); if the primary dies, the relay stops: its
sessions and browser went with it, and a supervisor above (systemd, Docker) restarts the whole.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.synchronize
import os
import secrets
import shutil
import signal
import socket
import tempfile
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

from ..settings import Settings
from .cluster import ClusterSpec

log = logging.getLogger("foundry_relay.workers")

START_TIMEOUT = 120.0
RESTART_PAUSE = 1.0


def _bind(settings: Settings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker_main(
    settings: Settings,
    spec: ClusterSpec,
    sock: socket.socket,
    ready: multiprocessing.synchronize.Event,
) -> None:
    """A worker process: the relay on the shared socket until SIGTERM/SIGINT."""
    from ..cli_common import run_loop
    from ..logsetup import configure

    configure(settings.log_level, settings.log_format, access_log=settings.access_log)
    run_loop(_worker(settings, spec, sock, ready), settings.event_loop)


async def _worker(
    settings: Settings,
    spec: ClusterSpec,
    sock: socket.socket,
    ready: multiprocessing.synchronize.Event,
) -> None:
    from .runner import run_relay

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with run_relay(settings, cluster=spec, sockets=[sock]):
        log.info("worker %d serving (pid %d)", spec.index, os.getpid())
        ready.set()
        await stop.wait()


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


class Supervisor:
    """Starts, watches and stops the workers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.count = settings.workers
        self.context = multiprocessing.get_context("spawn")
        self.run_dir = Path(tempfile.mkdtemp(prefix="foundry-relay-"))  # 0700
        self.name = "relay-" + secrets.token_hex(4)
        self.sock = _bind(settings)
        self.procs: dict[int, BaseProcess] = {}
        self.stopping = False

    @property
    def url(self) -> str:
        return _url(self.settings.host, self.sock)

    def _start(self, index: int) -> bool:
        spec = ClusterSpec(index=index, count=self.count, run_dir=self.run_dir, name=self.name)
        ready = self.context.Event()
        proc = self.context.Process(
            target=_worker_main,
            args=(self.settings, spec, self.sock, ready),
            name=f"foundry-relay-w{index}",
        )
        proc.start()
        self.procs[index] = proc
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.wait(0.2):
            if not proc.is_alive() or time.monotonic() > deadline or self.stopping:
                log.error("worker %d failed to start", index)
                return False
        return True

    def run(self) -> int:
        """Run until SIGINT/SIGTERM; the exit status."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            for index in range(self.count):
                if not self._start(index):
                    return 1
            pids = ", ".join(str(self.procs[i].pid) for i in sorted(self.procs))
            log.info("%d workers listening on %s (pids %s)", self.count, self.url, pids)
            return self._watch()
        finally:
            self._stop_all()
            self.sock.close()
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _watch(self) -> int:
        while not self.stopping:
            time.sleep(0.2)
            for index, proc in list(self.procs.items()):
                if proc.is_alive() or self.stopping:
                    continue
                if index == 0:
                    log.error("the primary worker exited (%s); stopping", proc.exitcode)
                    return 1
                log.warning("worker %d exited (%s); starting it again", index, proc.exitcode)
                time.sleep(RESTART_PAUSE)
                self._start(index)
        return 0

    def _stop_all(self) -> None:
        # The others first: their module sockets close before the primary ends its sessions.
        others = [p for i, p in self.procs.items() if i != 0]
        for group in (others, [self.procs[0]] if 0 in self.procs else []):
            for proc in group:
                if proc.is_alive():
                    proc.terminate()
            for proc in group:
                proc.join(30)
                if proc.is_alive():
                    proc.kill()
                    proc.join(5)


def serve_workers(settings: Settings) -> int:
    return Supervisor(settings).run()
