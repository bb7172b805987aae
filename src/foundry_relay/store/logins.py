"""Stored Foundry logins of always-on worlds (SPEC 16): who logs in where, sealed by the
:class:`~foundry_relay.vault.Vault` (the store never sees the password in clear), and whether the
world starts on demand."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from ..errors import NotFound
from ..vault import Sealed
from .base import SqliteBase


@dataclass(frozen=True)
class WorldLogin:
    key_id: str
    client_id: str
    foundry_url: str
    username: str
    world_name: str | None
    sealed: Sealed
    auto_start: bool
    created_at: float
    updated_at: float

    @property
    def bound_to(self) -> str:
        """What the seal is bound to: this key's world and no other."""
        return f"{self.key_id}:{self.client_id}"

    def as_json(self) -> dict[str, object]:
        """What may be shown: never the password."""
        return {
            "clientId": self.client_id,
            "foundryUrl": self.foundry_url,
            "username": self.username,
            "world": self.world_name,
            "autoStart": self.auto_start,
            "updatedAt": int(self.updated_at * 1000),
        }


def _login(r: sqlite3.Row) -> WorldLogin:
    return WorldLogin(
        key_id=r["key_id"],
        client_id=r["client_id"],
        foundry_url=r["foundry_url"],
        username=r["username"],
        world_name=r["world_name"],
        sealed=Sealed(bytes(r["nonce"]), bytes(r["sealed"]), r["sealed_by"]),
        auto_start=bool(r["auto_start"]),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


class WorldLogins(SqliteBase):
    def save_login(
        self,
        key_id: str,
        client_id: str,
        *,
        foundry_url: str,
        username: str,
        world_name: str | None,
        sealed: Sealed,
    ) -> None:
        """Store (or replace) the login of one of the key's worlds; auto-start is kept."""
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO world_logins (key_id, client_id, foundry_url, username, world_name,"
                " sealed, nonce, sealed_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key_id, client_id) DO UPDATE SET foundry_url = excluded.foundry_url,"
                " username = excluded.username, world_name = excluded.world_name,"
                " sealed = excluded.sealed, nonce = excluded.nonce, sealed_by = excluded.sealed_by,"
                " updated_at = excluded.updated_at",
                (
                    key_id,
                    client_id,
                    foundry_url,
                    username,
                    world_name,
                    sealed.ciphertext,
                    sealed.nonce,
                    sealed.key_id,
                    now,
                    now,
                ),
            )

    def reseal_login(self, login: WorldLogin, sealed: Sealed) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE world_logins SET sealed = ?, nonce = ?, sealed_by = ?"
                " WHERE key_id = ? AND client_id = ?",
                (sealed.ciphertext, sealed.nonce, sealed.key_id, login.key_id, login.client_id),
            )

    def world_login(self, key_id: str, client_id: str) -> WorldLogin | None:
        rows = self._query(
            "SELECT * FROM world_logins WHERE key_id = ? AND client_id = ?", (key_id, client_id)
        )
        return _login(rows[0]) if rows else None

    def world_logins(self, key_id: str | None = None) -> list[WorldLogin]:
        if key_id is None:
            rows = self._query("SELECT * FROM world_logins ORDER BY created_at")
        else:
            rows = self._query(
                "SELECT * FROM world_logins WHERE key_id = ? ORDER BY created_at", (key_id,)
            )
        return [_login(r) for r in rows]

    def clear_login(self, key_id: str, client_id: str) -> None:
        with self._tx() as db:
            cur = db.execute(
                "DELETE FROM world_logins WHERE key_id = ? AND client_id = ?", (key_id, client_id)
            )
            if cur.rowcount == 0:
                raise NotFound(f"no stored login for '{client_id}'", code="LOGIN_NOT_STORED")

    def set_auto_start(self, key_id: str, client_id: str, on: bool) -> None:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE world_logins SET auto_start = ?, updated_at = ?"
                " WHERE key_id = ? AND client_id = ?",
                (int(on), time.time(), key_id, client_id),
            )
            if cur.rowcount == 0:
                raise NotFound(
                    f"store a login for '{client_id}' before turning auto-start on",
                    code="LOGIN_NOT_STORED",
                )
