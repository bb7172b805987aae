"""Running ``foundry-relay`` commands as real subprocesses in tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

CLI = [sys.executable, "-m", "foundry_relay.cli"]
_LISTENING = re.compile(r"listening on (https?://[^\s\"]+?)[;\s\"]")


def spawn_listening(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> tuple[subprocess.Popen[str], str, str]:
    """Start ``foundry-relay <args>`` (a command with port 0) and wait for its "listening on"
    log line; returns the process, the URL it logged, and that line."""
    proc = subprocess.Popen(
        [*CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdout is not None
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        match = _LISTENING.search(line + " ")
        if match:
            return proc, match.group(1), line
    proc.kill()
    raise AssertionError("the command did not start listening:\n" + "".join(seen[-20:]))
