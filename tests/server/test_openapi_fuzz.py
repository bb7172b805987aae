"""schemathesis against the relay's own OpenAPI, on a real server with a connected module:
at least 1,000 generated cases, no server error, no response outside the documented schema."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from ..conftest import RelayFactory, RelayHandle
from .module_client import FakeModule, echo

MIN_CASES = 1000


def _st() -> str:
    local = Path(sys.executable).with_name("st")
    found = str(local) if local.exists() else shutil.which("st")
    if found is None:
        pytest.fail("schemathesis (the 'st' command) is not installed: pip install -e '.[test]'")
    return found


async def test_schemathesis_finds_no_server_error_or_schema_violation(
    relay_factory: RelayFactory, tmp_path: Path
) -> None:
    async with relay_factory(
        allow_headless=True, handshake_max_pending=0, request_timeout=2
    ) as relay:
        key_id, key = relay.new_key()
        _, token = relay.new_token(key_id)
        module = FakeModule(relay.ws_url, "fvtt_fuzzed_client", token=token)
        assert (await module.connect())["type"] == "auth-success"
        module.serve(echo)
        env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
        proc = await asyncio.create_subprocess_exec(
            _st(),
            "run",
            relay.url + "/openapi.json",
            "--header",
            f"x-api-key: {key}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance",
            "--max-examples",
            "80",
            "--workers",
            "2",
            "--seed",
            "20261128",
            "--suppress-health-check",
            "all",
            "--report-dir",
            str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
        output, _ = await asyncio.wait_for(proc.communicate(), 600)
        text = output.decode("utf-8", "replace")
        await module.close()
    assert key not in text.replace("[Filtered]", "")
    match = re.search(r"(\d+) generated", text)
    assert match is not None, text[-3000:]
    generated = int(match.group(1))
    print(f"schemathesis generated {generated} cases")
    assert proc.returncode == 0, text[-6000:]
    assert generated >= MIN_CASES, text[-3000:]


async def test_session_operations_are_declared_with_examples(relay: RelayHandle) -> None:
    """The session endpoints' replies come from declared models, each with an example."""
    async with relay.http() as http:
        spec = (await http.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    for path, method in (
        ("/session-handshake", "post"),
        ("/start-session", "post"),
        ("/end-session", "delete"),
        ("/session", "get"),
        ("/session/{session_id}/log", "get"),
    ):
        reply = spec["paths"][path][method]["responses"]["200"]
        ref = reply["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert schemas[ref].get("examples"), (path, ref)
    handshake = spec["paths"]["/session-handshake"]["post"]
    headers = {p["name"] for p in handshake["parameters"] if p["in"] == "header"}
    assert {"x-foundry-url", "x-username", "x-world-name"} <= headers
