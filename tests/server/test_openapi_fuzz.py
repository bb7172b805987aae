"""schemathesis against the relay's own OpenAPI, on a real server with a connected module:
at least 1,000 generated cases, no server error, no response outside the documented schema."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from foundry_relay.core.routes import ROUTES
from foundry_relay.server import openapi
from foundry_relay.vault import new_key

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
        allow_headless=True,
        handshake_max_pending=0,
        request_timeout=2,
        credentials_key=SecretStr(new_key()),  # the stored-login routes answer, not 403
    ) as relay:
        key_id, key = relay.new_key(admin=True)  # the management API answers, not 403
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
            "25",
            "--workers",
            "2",
            "--seed",
            "20261128",
            "--suppress-health-check",
            "all",
            # Event streams never end: test_events.py covers them.
            "--exclude-path-regex",
            "/subscribe$",
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


def _success_example(spec: dict[str, Any], op: dict[str, Any]) -> Any:
    """The example of an operation's JSON success reply (inline, or on its declared model)."""
    for status, reply in op["responses"].items():
        if not status.startswith("2"):
            continue
        content = reply.get("content")
        if not content:
            return None  # a reply with no declared body at all
        media = content.get("application/json")
        if media is None:
            return "not JSON"
        if "example" in media:
            return media["example"]
        ref = media["schema"].get("$ref", "")
        examples = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("examples")
        return examples[0] if examples else None
    return "no success reply"  # e.g. a removed route: 410 only


async def test_every_operation_is_declared_with_an_example(relay: RelayHandle) -> None:
    """Every JSON reply comes from a declared model or the route table, each with an example;
    every forwarded route carries exactly the table's parameters."""
    async with relay.http() as http:
        spec = (await http.get("/openapi.json")).json()
    missing = [
        (method, path)
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        if _success_example(spec, op) is None
    ]
    assert missing == []
    assert "EXTRA" not in vars(openapi)  # nothing hand-written beside the models any more
    for route in ROUTES:
        op = spec["paths"][route.path][route.method.lower()]
        declared = {(p["name"], p["in"]) for p in op["parameters"]}
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        declared |= {(name, "body") for name in body.get("schema", {}).get("properties", {})}
        where = {"q": ("query",), "b": ("body",), "p": ("path",), "e": ("query", "body")}
        expected = {(p.name, w) for p in route.params for w in where[p.source]}
        expected.add(("clientId", "query"))
        if body:
            expected.add(("clientId", "body"))
        assert declared == expected, route.path
        example = _success_example(spec, op)
        assert example["type"] == route.ws_type + "-result"
    handshake = spec["paths"]["/session-handshake"]["post"]
    headers = {p["name"] for p in handshake["parameters"] if p["in"] == "header"}
    assert {"x-foundry-url", "x-username", "x-world-name"} <= headers
