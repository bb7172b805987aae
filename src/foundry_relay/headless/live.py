"""One record per headless session: its state machine, its page, token, launch task, timer,
the world client it claims, and the diagnostics kept for its owner after it ends."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ..browser.engine import SessionPage
from ..core.sessions import Session


@dataclass
class Diagnostics:
    """What a finished or failed session leaves for its owner (SPEC 4.6)."""

    failure: dict[str, Any] | None = None
    console: list[str] = field(default_factory=list)
    screenshot: bytes | None = None
    kept_until: float | None = None  # None while the session lives


@dataclass(eq=False)
class LiveSession:
    """Everything the relay holds for one session, in one place."""

    session: Session
    done: asyncio.Event = field(default_factory=asyncio.Event)  # set once ended or failed
    launch: asyncio.Task[Any] | None = None  # the start request's task while launching
    page: SessionPage | None = None
    token_id: str | None = None
    timer: asyncio.TimerHandle | None = None
    client_claim: str | None = None  # the world's clientId, from the pairing step on
    crash_cancelled: bool = False  # the launch was cancelled because the browser crashed
    diagnostics: Diagnostics = field(default_factory=Diagnostics)

    @property
    def id(self) -> str:
        return self.session.session_id

    @property
    def key_id(self) -> str:
        return self.session.key_id

    @property
    def holds_world(self) -> bool:
        """True while this session's claim on its world's clientId counts."""
        return self.client_claim is not None and self.session.state in ("launching", "active")

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def console_lines(self) -> list[str]:
        """The page's console now (live page) or as kept at the end."""
        if self.page is not None:
            return self.page.console + [f"[pageerror] {e}" for e in self.page.page_errors]
        return list(self.diagnostics.console)

    def keep_page_output(self) -> None:
        if self.page is not None:
            self.diagnostics.console = self.console_lines()


@dataclass(frozen=True)
class Holdings:
    """What the service holds right now (for health checks and tests)."""

    sessions: int  # reserved slots: launching, active or ending
    pages: int  # open browser contexts of sessions
    launches: int  # start requests in progress
    kept_logs: int  # finished sessions whose diagnostics are kept
