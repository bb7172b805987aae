"""PostgreSQL under the store (``DATABASE_URL=postgresql://…``): several relays share one
database. The store's SQL is written once (SQLite's dialect, ``?`` placeholders); this module
adapts it, runs the same migrations (``REAL`` as double precision, ``BLOB`` as bytea), keeps the
schema version in a table, serialises writers with a transaction-scoped advisory lock (as
SQLite's ``BEGIN IMMEDIATE`` does), and raises a change counter in every write so that other
processes' lookup caches notice (SQLite's ``data_version``). psycopg 3 is the driver."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import StoreError

WRITE_LOCK = 0x466F756E  # pg_advisory_xact_lock key: one writer at a time, like SQLite
TYPES = ((re.compile(r"\bREAL\b"), "DOUBLE PRECISION"), (re.compile(r"\bBLOB\b"), "BYTEA"))


class Row(dict[str, Any]):
    """A row by column name (like ``sqlite3.Row``) and by position."""

    def __init__(self, names: Sequence[str], values: Sequence[Any]) -> None:
        super().__init__(zip(names, values, strict=True))
        self._values = tuple(values)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return self._values[key]
        return dict.__getitem__(self, key)


def _rows(cursor: Any) -> Any:
    names = [c.name for c in cursor.description] if cursor.description else []

    def make(values: Sequence[Any]) -> Row:
        return Row(names, values)

    return make


def _sql(sql: str) -> str:
    return sql.replace("?", "%s")


class Connection:
    """A psycopg connection that takes the store's SQL as written."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        # SQLite keeps booleans as integers; so does the shared schema
        values = tuple(int(a) if isinstance(a, bool) else a for a in args)
        return self.raw.execute(_sql(sql), values or None)

    def close(self) -> None:
        self.raw.close()


class Postgres:
    VERSION_QUERY = "SELECT version FROM foundry_relay_schema"
    CHANGES_QUERY = "SELECT n FROM foundry_relay_changes"

    def __init__(self, url: str) -> None:
        import psycopg

        self.psycopg = psycopg
        self.url = url
        parts = urlsplit(url)
        host = parts.hostname or ""
        self.display = urlunsplit(
            (parts.scheme, host + (f":{parts.port}" if parts.port else ""), parts.path, "", "")
        )  # never the password

    def connect(self) -> Connection:
        try:
            raw = self.psycopg.connect(self.url, autocommit=True, row_factory=_rows)
        except self.psycopg.Error as exc:
            raise StoreError(f"cannot open the store at {self.display}: {exc}") from exc
        return Connection(raw)

    @contextmanager
    def transaction(self, conn: Connection) -> Iterator[Connection]:
        errors = self.psycopg.errors
        try:
            conn.raw.execute("BEGIN")
            conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield conn
            # (the first migration creates the table inside this same transaction)
            conn.raw.execute("UPDATE foundry_relay_changes SET n = n + 1")
            conn.raw.execute("COMMIT")
        except errors.IntegrityError as exc:
            self._rollback(conn)
            from .base import StoreConflict

            raise StoreConflict(f"store write refused: {exc}") from exc
        except self.psycopg.Error as exc:
            self._rollback(conn)
            raise StoreError(f"store write failed: {exc}") from exc
        except BaseException:
            self._rollback(conn)
            raise

    def _rollback(self, conn: Connection) -> None:
        try:
            conn.raw.execute("ROLLBACK")
        except self.psycopg.Error:
            pass

    def query(self, conn: Connection, sql: str, args: Sequence[Any]) -> list[Any]:
        try:
            return list(conn.execute(sql, args).fetchall())
        except self.psycopg.Error as exc:
            raise StoreError(f"store query failed: {exc}") from exc

    def migrate(self, conn: Connection, migrations: Sequence[str]) -> None:
        raw = conn.raw
        raw.execute("CREATE TABLE IF NOT EXISTS foundry_relay_schema (version INTEGER NOT NULL)")
        raw.execute("CREATE TABLE IF NOT EXISTS foundry_relay_changes (n BIGINT NOT NULL)")
        if raw.execute("SELECT count(*) FROM foundry_relay_changes").fetchone()[0] == 0:
            raw.execute("INSERT INTO foundry_relay_changes (n) VALUES (0)")
        row = raw.execute("SELECT version FROM foundry_relay_schema").fetchone()
        if row is None:
            raw.execute("INSERT INTO foundry_relay_schema (version) VALUES (0)")
            version = 0
        else:
            version = int(row[0])
        for number, script in enumerate(migrations[version:], start=version + 1):
            for statement in script.split(";"):
                if statement.strip():
                    for pattern, replacement in TYPES:
                        statement = pattern.sub(replacement, statement)
                    raw.execute(statement)
            raw.execute("UPDATE foundry_relay_schema SET version = %s", (number,))
