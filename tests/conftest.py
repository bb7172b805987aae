"""Shared fixtures: real relays and simulators on 127.0.0.1 port 0, real SQLite files, a shared
Chromium for simulator tests, and a log scan that fails the run if any secret was logged."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from foundry_relay.browser.chromium import chromium_args, find_chromium
from foundry_relay.browser.engine import BrowserEngine
from foundry_relay.server.runner import Running, run_relay
from foundry_relay.settings import Settings
from foundry_relay.store import Store

from .services import postgres_server, postgres_url, redis_server  # noqa: F401 (fixtures)

# -- secret scan ------------------------------------------------------------------------------

SECRETS: set[str] = set()
LOG_LINES: list[str] = []
RESPONSE_BODIES: list[str] = []


async def _record_response(response: httpx.Response) -> None:
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        return  # endless: the stream's reader records what it reads (event_helpers)
    await response.aread()
    if "image/" not in response.headers.get("content-type", ""):
        RESPONSE_BODIES.append(response.text)


def recording_client(**kwargs: Any) -> httpx.AsyncClient:
    """An httpx client whose every response body joins the end-of-run secret scan."""
    return httpx.AsyncClient(event_hooks={"response": [_record_response]}, **kwargs)


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                line += " " + repr(record.exc_info[1])
            LOG_LINES.append(line)
        except Exception:
            LOG_LINES.append(str(record.msg))


def remember_secret(value: str) -> str:
    """Register a secret the suite used; the run fails if any log line contains it."""
    if value:
        SECRETS.add(value)
    return value


MINTING_BODIES: set[str] = set()


def remember_minted(response: httpx.Response, value: str) -> str:
    """A secret the relay minted and returned once in ``response`` (a pairing's token): that
    body is the one place it may appear; any other body or log line with it is a leak."""
    MINTING_BODIES.add(response.text)
    return remember_secret(value)


def pytest_configure(config: pytest.Config) -> None:
    root = logging.getLogger()
    root.addHandler(_Capture(level=logging.DEBUG))
    root.setLevel(logging.DEBUG)
    for noisy in ("asyncio", "websockets", "httpcore", "hpack"):
        logging.getLogger(noisy).setLevel(logging.INFO)


# Any whole API key or connection token in a log line is a leak, even one the tests never saw
# (the relay mints a token per headless session).
TOKEN_SHAPE = re.compile(r"\b(?:frk|frt)_[A-Za-z0-9_-]{43}")


def leaked_secrets() -> list[tuple[str, str]]:
    hits = []
    for body in RESPONSE_BODIES:
        if body in MINTING_BODIES:
            continue
        for secret in SECRETS:
            if secret in body:
                hits.append((secret[:6] + "…", "response body: " + body[:200]))
    for line in LOG_LINES:
        for secret in SECRETS:
            if secret in line:
                hits.append((secret[:6] + "…", line[:200]))
        for match in TOKEN_SHAPE.finditer(line):
            hits.append((match.group(0)[:6] + "…", line[:200]))
    return hits


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    print(
        f"\nsecret scan: {len(LOG_LINES)} log lines and {len(RESPONSE_BODIES)} response bodies"
        f" checked for {len(SECRETS)} secrets"
    )
    hits = leaked_secrets()
    if hits:
        print(f"\nSECRET LEAK: {len(hits)} log line(s) or response(s) contain a secret:")
        for secret, line in hits[:10]:
            print(f"  {secret}: {line}")
        session.exitstatus = 1


def files_contain(directory: Path, pattern: str, needle: str) -> list[str]:
    """The files under ``directory`` matching ``pattern`` that contain ``needle``, read by a
    child process: opening an SQLite file in this process and closing it would drop this
    process's POSIX locks on it (and with them its store's view of the WAL)."""
    script = (
        "import sys, pathlib\n"
        "d, p, n = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3].encode()\n"
        "print('\\n'.join(str(f) for f in d.glob(p) if n in f.read_bytes()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(directory), pattern, needle],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line]


async def wait_until(predicate: Any, timeout: float = 10, interval: float = 0.05) -> bool:
    """Poll ``predicate`` (a plain or an async function) until it holds or ``timeout`` passes
    (a retry with a deadline)."""

    async def holds() -> bool:
        result = predicate()
        return bool(await result) if asyncio.iscoroutine(result) else bool(result)

    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await holds():
            return True
        await asyncio.sleep(interval)
    return await holds()


# -- relay ------------------------------------------------------------------------------------


@dataclass
class RelayHandle:
    running: Running
    settings: Settings
    store: Store

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/relay"

    @property
    def state(self) -> Any:
        return self.running.app.state.relay

    def new_key(
        self, name: str = "test", *, allow_execute_js: bool = False, **fields: Any
    ) -> tuple[str, str]:
        """A key in the relay's store; ``fields``: scopes, client_ids, expires_at, rate_limit."""
        record, key = self.store.create_key(name, allow_execute_js=allow_execute_js, **fields)
        return record.id, remember_secret(key)

    def new_token(self, key_id: str, name: str = "world") -> tuple[str, str]:
        record, token = self.store.create_token(key_id, name)
        return record.id, remember_secret(token)

    def http(self, key: str | None = None, timeout: float = 60) -> httpx.AsyncClient:
        headers = {"x-api-key": key} if key else {}
        return recording_client(base_url=self.url, headers=headers, timeout=timeout)


RelayFactory = Callable[..., contextlib.AbstractAsyncContextManager[RelayHandle]]


# Settings a relay's browser depends on: a relay given any of them launches its own browser.
ENGINE_SETTINGS = {
    "chrome_path",
    "chrome_args",
    "headless_spare_context",
    "headless_prewarm",
    "headless_idle_release",
}


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserEngine]:
    """One Chromium for the whole test session (STYLE): relays borrow it, each session of
    theirs gets its own context."""
    engine = BrowserEngine(
        chrome_path=os.environ.get("CHROME_PATH"),
        home=tmp_path_factory.mktemp("shared-browser"),
        on_crash=lambda: None,
    )
    yield engine
    await engine.stop()


@pytest.fixture
def relay_factory(tmp_path: Path, shared_engine: BrowserEngine) -> RelayFactory:
    """``async with relay_factory(**settings) as relay`` starts a real relay on port 0; with
    headless on it borrows the session's browser unless ``own_browser=True`` or a browser
    setting is given."""
    counter = [0]

    @contextlib.asynccontextmanager
    async def factory(own_browser: bool = False, **overrides: Any) -> AsyncIterator[RelayHandle]:
        counter[0] += 1
        data = tmp_path / f"relay{counter[0]}"
        values: dict[str, Any] = {
            "port": 0,
            "data_dir": data,
            "session_rate_limit": 0,
            "key_rate_limit": 0,
            "allow_headless": False,
        }
        values.update(overrides)
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        borrow = not own_browser and not (ENGINE_SETTINGS & set(overrides))
        store = Store(settings.db_path)
        try:
            async with run_relay(settings, engine=shared_engine if borrow else None) as running:
                yield RelayHandle(running, settings, store)
        finally:
            store.close()

    return factory


@pytest_asyncio.fixture
async def relay(relay_factory: RelayFactory) -> AsyncIterator[RelayHandle]:
    async with relay_factory() as handle:
        yield handle


# -- browser (simulator tests drive it directly) ------------------------------------------------


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(
            executable_path=find_chromium(os.environ.get("CHROME_PATH")),
            headless=True,
            args=chromium_args(),
        )
        yield b
        await b.close()


@pytest_asyncio.fixture
async def context(browser: Any) -> AsyncIterator[Any]:
    ctx = await browser.new_context()
    yield ctx
    await ctx.close()
