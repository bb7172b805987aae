"""Headless session lifecycle (SPEC 4.2) as a plain state machine, and the session registry.

Pure: no asyncio, no browser. The launcher and the WebSocket handler feed events in ("stage
finished", "client authenticated", "client dropped", "deadline passed") and carry out what comes
back. Timers are exact: :meth:`Session.next_deadline` says when the I/O layer must call
:meth:`Session.expired` next.

States: ``launching`` (with a ``stage``) → ``active`` → ``ending`` → ``ended``; or ``launching``
→ ``failed``. A slot is held from reservation until the session reaches ``ended`` or ``failed``,
and released exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..errors import LimitExceeded, RelayError

State = Literal["launching", "active", "ending", "ended", "failed"]
STAGES = (
    "browser",
    "navigate",
    "admin-auth",
    "world-launch",
    "login",
    "game-ready",
    "module-connect",
)
END_REASONS = (
    "ended-by-user",
    "idle-timeout",
    "max-lifetime",
    "client-disconnected",
    "browser-crashed",
    "relay-shutdown",
)
FINAL: frozenset[str] = frozenset({"ended", "failed"})


class IllegalTransition(RelayError):
    code = "INTERNAL"


@dataclass(frozen=True)
class Timing:
    """Timer policy; 0 disables a timer."""

    idle_timeout: float = 600.0
    max_lifetime: float = 0.0
    client_grace: float = 30.0


@dataclass
class Session:
    session_id: str
    key_id: str
    foundry_url: str
    username: str
    world_name: str | None
    started_at: float
    state: State = "launching"
    stage: str = "browser"
    client_id: str | None = None
    last_activity: float = 0.0
    dropped_at: float | None = None
    reason: str | None = None
    ended_at: float | None = None
    timeline: list[tuple[float, str, str]] = field(default_factory=list)
    slot_released: bool = False

    def __post_init__(self) -> None:
        self.last_activity = self.started_at
        self.timeline.append((self.started_at, "launching", self.stage))

    # -- queries ---------------------------------------------------------------------------------

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    @property
    def client_online(self) -> bool:
        return self.state == "active" and self.dropped_at is None

    def next_deadline(self, timing: Timing) -> tuple[float, str] | None:
        """The earliest moment this session must end by timer, with the reason; None if none."""
        if self.state != "active":
            return None
        candidates: list[tuple[float, str]] = []
        if timing.idle_timeout > 0:
            candidates.append((self.last_activity + timing.idle_timeout, "idle-timeout"))
        if timing.max_lifetime > 0:
            candidates.append((self.started_at + timing.max_lifetime, "max-lifetime"))
        if self.dropped_at is not None:
            candidates.append((self.dropped_at + timing.client_grace, "client-disconnected"))
        return min(candidates) if candidates else None

    def expired(self, now: float, timing: Timing) -> str | None:
        """The end reason if a deadline has passed at ``now``; None otherwise."""
        deadline = self.next_deadline(timing)
        if deadline is not None and now >= deadline[0]:
            return deadline[1]
        return None

    # -- events ----------------------------------------------------------------------------------

    def _record(self, now: float, what: str, detail: str = "") -> None:
        self.timeline.append((now, what, detail))

    def note(self, now: float, what: str, detail: str = "") -> None:
        """Record an event of the launch (e.g. how the world was paired) in the timeline."""
        self._record(now, what, detail)

    def enter_stage(self, stage: str, now: float) -> None:
        if self.state != "launching":
            raise IllegalTransition(f"stage {stage} in state {self.state}")
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        self.stage = stage
        self._record(now, "stage", stage)

    def activate(self, client_id: str, now: float) -> None:
        if self.state != "launching":
            raise IllegalTransition(f"activate in state {self.state}")
        self.state = "active"
        self.client_id = client_id
        self.last_activity = now
        self._record(now, "active", client_id)

    def fail(self, code: str, now: float) -> None:
        if self.state != "launching":
            raise IllegalTransition(f"fail in state {self.state}")
        self.state = "failed"
        self.reason = code
        self.ended_at = now
        self._record(now, "failed", f"{code} at {self.stage}")

    def begin_end(self, reason: str, now: float) -> bool:
        """Start ending; False if already ending or final (ending is idempotent)."""
        if self.state in ("ending", "ended", "failed"):
            return False
        if self.state == "launching":
            # A launching session ended by its owner or by shutdown: it never became active.
            self.state = "ending"
            self.reason = reason
            self._record(now, "ending", reason)
            return True
        self.state = "ending"
        self.reason = reason
        self._record(now, "ending", reason)
        return True

    def finish(self, now: float) -> None:
        if self.state != "ending":
            raise IllegalTransition(f"finish in state {self.state}")
        self.state = "ended"
        self.ended_at = now
        self._record(now, "ended", self.reason or "")

    def touch(self, now: float) -> None:
        if self.state == "active":
            self.last_activity = max(self.last_activity, now)

    def client_dropped(self, now: float) -> None:
        if self.state == "active" and self.dropped_at is None:
            self.dropped_at = now
            self._record(now, "client-dropped", "")

    def client_returned(self, now: float) -> None:
        if self.state == "active" and self.dropped_at is not None:
            self.dropped_at = None
            self._record(now, "client-returned", "")


class SessionRegistry(Protocol):
    def reserve(
        self,
        *,
        key_id: str,
        foundry_url: str,
        username: str,
        world_name: str | None,
        now: float,
        per_key_cap: int,
        total_cap: int,
    ) -> Session: ...

    def get(self, session_id: str) -> Session | None: ...

    def for_key(self, key_id: str) -> list[Session]: ...

    def all(self) -> list[Session]: ...

    def release(self, session: Session) -> bool: ...


class InProcessSessionRegistry:
    """Live (non-final) sessions of this process. ``reserve`` checks caps and reserves in one
    step: nothing can happen between the count and the insert (no await in between)."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self.released = 0

    def reserve(
        self,
        *,
        key_id: str,
        foundry_url: str,
        username: str,
        world_name: str | None,
        now: float,
        per_key_cap: int,
        total_cap: int,
    ) -> Session:
        held = list(self._sessions.values())
        if per_key_cap > 0 and sum(1 for s in held if s.key_id == key_id) >= per_key_cap:
            raise LimitExceeded(
                f"this API key already has {per_key_cap} headless session(s); end one first",
                code="SESSION_LIMIT",
                limit=per_key_cap,
            )
        if total_cap > 0 and len(held) >= total_cap:
            raise LimitExceeded(
                f"the relay is at its limit of {total_cap} headless sessions",
                code="SESSION_LIMIT",
                limit=total_cap,
            )
        session = Session(
            session_id=str(uuid.uuid4()),
            key_id=key_id,
            foundry_url=foundry_url,
            username=username,
            world_name=world_name,
            started_at=now,
        )
        self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def for_key(self, key_id: str) -> list[Session]:
        return [s for s in self._sessions.values() if s.key_id == key_id]

    def all(self) -> list[Session]:
        return list(self._sessions.values())

    def release(self, session: Session) -> bool:
        """Free the slot of a final session; True the first time only."""
        if not session.is_final:
            raise IllegalTransition(f"release of a {session.state} session")
        if session.slot_released:
            return False
        session.slot_released = True
        self._sessions.pop(session.session_id, None)
        self.released += 1
        return True
