"""The session state machine and registry, without an event loop (Hypothesis included)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_relay.core.sessions import (
    STAGES,
    IllegalTransition,
    InProcessSessionRegistry,
    Session,
    Timing,
)
from foundry_relay.errors import LimitExceeded


def reserve(
    reg: InProcessSessionRegistry, key: str = "k", *, cap: int = 2, total: int = 0, now: float = 0.0
) -> Session:
    return reg.reserve(
        key_id=key,
        foundry_url="http://f",
        username="GM",
        world_name=None,
        now=now,
        per_key_cap=cap,
        total_cap=total,
    )


def test_happy_lifecycle_records_every_transition() -> None:
    reg = InProcessSessionRegistry()
    s = reserve(reg)
    for i, stage in enumerate(STAGES):
        s.enter_stage(stage, float(i))
    s.activate("fvtt_1", 10.0)
    assert s.state == "active" and s.client_id == "fvtt_1" and s.last_activity == 10.0
    assert s.begin_end("ended-by-user", 11.0)
    assert not s.begin_end("idle-timeout", 11.5)  # ending is idempotent
    s.finish(12.0)
    assert s.state == "ended" and s.reason == "ended-by-user"
    assert reg.release(s) and not reg.release(s)
    events = [e for _, e, _ in s.timeline]
    assert events[0] == "launching" and events[-1] == "ended"


def test_illegal_transitions_raise() -> None:
    s = reserve(InProcessSessionRegistry())
    with pytest.raises(IllegalTransition):
        s.finish(1.0)
    s.fail("GAME_LOAD_TIMEOUT", 1.0)
    with pytest.raises(IllegalTransition):
        s.activate("c", 2.0)
    with pytest.raises(IllegalTransition):
        s.enter_stage("login", 2.0)


def test_release_refuses_a_live_session() -> None:
    reg = InProcessSessionRegistry()
    s = reserve(reg)
    with pytest.raises(IllegalTransition):
        reg.release(s)


def test_caps_count_launching_sessions_per_key_and_total() -> None:
    reg = InProcessSessionRegistry()
    reserve(reg, "a")
    reserve(reg, "a")
    with pytest.raises(LimitExceeded) as err:
        reserve(reg, "a")
    assert err.value.code == "SESSION_LIMIT" and err.value.status == 429
    reserve(reg, "b", total=3)
    with pytest.raises(LimitExceeded):
        reserve(reg, "c", total=3)
    reserve(reg, "c", cap=0, total=0)  # 0 = unlimited


def test_idle_deadline_moves_with_activity_and_grace_and_lifetime() -> None:
    timing = Timing(idle_timeout=10, max_lifetime=100, client_grace=3)
    s = reserve(InProcessSessionRegistry())
    s.activate("c", 0.0)
    assert s.next_deadline(timing) == (10.0, "idle-timeout")
    s.touch(8.0)
    assert s.expired(10.0, timing) is None
    assert s.next_deadline(timing) == (18.0, "idle-timeout")
    s.client_dropped(9.0)
    assert s.next_deadline(timing) == (12.0, "client-disconnected")
    s.client_returned(11.0)
    assert s.next_deadline(timing) == (18.0, "idle-timeout")
    assert s.expired(18.0, timing) == "idle-timeout"
    assert Timing(0, 0, 3).idle_timeout == 0
    s2 = reserve(InProcessSessionRegistry())
    s2.activate("c", 0.0)
    assert s2.next_deadline(Timing(0, 50, 3)) == (50.0, "max-lifetime")
    assert s2.next_deadline(Timing(0, 0, 3)) is None


EVENTS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "stage",
                "activate",
                "fail",
                "end",
                "finish",
                "touch",
                "drop",
                "return",
                "release",
                "reserve",
            ]
        ),
        st.integers(min_value=0, max_value=4),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(EVENTS)
def test_random_event_sequences_keep_invariants(events: list[tuple[str, int]]) -> None:
    """Whatever happens: states stay legal, caps hold, and every slot is released once."""
    reg = InProcessSessionRegistry()
    sessions: list[Session] = []
    released: set[str] = set()
    now = 0.0
    for action, index in events:
        now += 1.0
        if action == "reserve" or not sessions:
            try:
                sessions.append(reserve(reg, f"k{index % 2}", cap=2, total=3, now=now))
            except LimitExceeded:
                pass
            continue
        s = sessions[index % len(sessions)]
        try:
            if action == "stage":
                s.enter_stage(STAGES[index % len(STAGES)], now)
            elif action == "activate":
                s.activate(f"c{index}", now)
            elif action == "fail":
                s.fail("GAME_LOAD_TIMEOUT", now)
            elif action == "end":
                s.begin_end("ended-by-user", now)
            elif action == "finish":
                s.finish(now)
            elif action == "touch":
                s.touch(now)
            elif action == "drop":
                s.client_dropped(now)
            elif action == "return":
                s.client_returned(now)
            elif action == "release":
                if reg.release(s):
                    assert s.session_id not in released
                    released.add(s.session_id)
        except IllegalTransition:
            pass
        assert s.state in ("launching", "active", "ending", "ended", "failed")
        per_key: dict[str, int] = {}
        for live in reg.all():
            assert not live.slot_released
            per_key[live.key_id] = per_key.get(live.key_id, 0) + 1
        assert all(n <= 2 for n in per_key.values()) and len(reg.all()) <= 3
    assert reg.released == len(released)
    for s in sessions:
        if s.is_final:
            reg.release(s)
            assert s.slot_released
        if s.state == "failed":
            assert s.client_id is None or s.reason is not None
