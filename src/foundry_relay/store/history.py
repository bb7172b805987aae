"""Session history: every headless session's start, transitions and end reason."""

from __future__ import annotations

import time
from collections.abc import Sequence

from .base import SqliteBase
from .records import SessionRecord


class SessionHistory(SqliteBase):
    # -- session history ------------------------------------------------------------------------

    def record_session_start(
        self,
        *,
        session_id: str,
        key_id: str,
        foundry_url: str,
        username: str,
        world_name: str | None,
        started_at: float,
        instance_id: str | None = None,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO session_history (session_id, key_id, foundry_url, username,"
                " world_name, state, started_at, instance_id)"
                " VALUES (?, ?, ?, ?, ?, 'launching', ?, ?)",
                (session_id, key_id, foundry_url, username, world_name, started_at, instance_id),
            )

    def record_session_state(
        self,
        session_id: str,
        state: str,
        *,
        client_id: str | None = None,
        reason: str | None = None,
        ended_at: float | None = None,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE session_history SET state = ?, client_id = COALESCE(?, client_id),"
                " end_reason = COALESCE(?, end_reason), ended_at = COALESCE(?, ended_at)"
                " WHERE session_id = ?",
                (state, client_id, reason, ended_at, session_id),
            )

    def get_session_record(self, session_id: str) -> SessionRecord | None:
        rows = self._query("SELECT * FROM session_history WHERE session_id = ?", (session_id,))
        return SessionRecord(**dict(rows[0])) if rows else None

    def mark_unfinished_sessions(self, reason: str, *, alive: Sequence[str] = ()) -> int:
        """At start-up: sessions a previous process left open cannot be alive any more, except
        those of the ``alive`` instances (relays sharing this database)."""
        keep = set(alive)
        with self._tx() as db:
            rows = db.execute(
                "SELECT session_id, instance_id FROM session_history"
                " WHERE state IN ('launching', 'active', 'ending')"
            ).fetchall()
            doomed = [(row[0],) for row in rows if row[1] is None or row[1] not in keep]
            now = time.time()
            for (session_id,) in doomed:
                db.execute(
                    "UPDATE session_history SET state = CASE state WHEN 'launching'"
                    " THEN 'failed' ELSE 'ended' END, end_reason = ?, ended_at = ?"
                    " WHERE session_id = ?",
                    (reason, now, session_id),
                )
            return len(doomed)
