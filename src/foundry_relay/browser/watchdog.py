"""No Chromium outlives the relay (SPEC 4.2), even after SIGKILL of the relay.

Chromium is started by Playwright's Node driver, so the relay cannot give it a parent-death
signal itself. Instead each browser carries a marker switch naming its data folder, and:

- a tiny watchdog process (``python -m foundry_relay.browser.watchdog <relay pid> <marker>``),
  started with a parent-death signal, kills every process carrying the marker as soon as the relay
  is gone, however it died;
- at start-up, :func:`reap_stale` kills browsers a previous relay of the same data folder left.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

MARKER_PREFIX = "--foundry-relay-owner="


def marker_prefix(home: Path) -> str:
    return f"{MARKER_PREFIX}{home.resolve()}#"


def _processes_with(fragment: str) -> list[int]:
    """Pids whose command line has an argument starting with ``fragment`` (Linux /proc)."""
    needle = fragment.encode()
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                args = fh.read().split(b"\0")
        except OSError:
            continue
        if any(arg.startswith(needle) for arg in args):
            found.append(int(entry))
    return found


def kill_marked(fragment: str) -> int:
    """SIGKILL every process carrying the marker; their children die with them."""
    killed = 0
    for pid in _processes_with(fragment):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


def reap_stale(home: Path) -> int:
    """Kill browsers left by an earlier relay of this data folder (it died without cleanup)."""
    if not Path("/proc").is_dir():
        return 0
    killed = kill_marked(marker_prefix(home))
    if killed:
        log.warning("killed %d stale browser process(es) of a previous relay", killed)
    return killed


def _set_parent_death_signal() -> None:  # runs in the child before exec
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start_watchdog(marker: str) -> subprocess.Popen[bytes] | None:
    """Start the watchdog for the browser carrying ``marker``; None where /proc is missing."""
    if not Path("/proc").is_dir():
        return None
    return subprocess.Popen(
        # The marker goes without its switch prefix, so the watchdog itself never matches it.
        [
            sys.executable,
            "-m",
            "foundry_relay.browser.watchdog",
            str(os.getpid()),
            marker.removeprefix(MARKER_PREFIX),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_set_parent_death_signal,
        close_fds=True,
    )


def stop_watchdog(proc: subprocess.Popen[bytes] | None) -> None:
    """A normal stop: the relay closed its browser itself; the watchdog just exits."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGUSR1)
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        proc.kill()


def main(argv: list[str]) -> None:
    parent, marker = int(argv[0]), MARKER_PREFIX + argv[1]
    released = False

    def release(_sig: int, _frame: object) -> None:
        nonlocal released
        released = True

    def parent_died(_sig: int, _frame: object) -> None:
        kill_marked(marker)
        os._exit(0)

    signal.signal(signal.SIGUSR1, release)
    signal.signal(signal.SIGTERM, parent_died)  # the parent-death signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while not released:
        if os.getppid() != parent:  # reparented: the relay is gone
            kill_marked(marker)
            return
        time.sleep(0.2)


if __name__ == "__main__":
    main(sys.argv[1:])
