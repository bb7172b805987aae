"""The database plumbing shared by every part of the store: a reading and a writing connection,
short transactions, translated errors, the schema migration and the change stamp that keeps
key lookups cached until the data changes.

SQLite by default (a file in the data folder; reads never wait in WAL mode, so the event loop
reads directly), or PostgreSQL (``DATABASE_URL=postgresql://…``, several relays sharing one
database; :mod:`foundry_relay.store.postgres`) behind the same calls and the same SQL. A write may
wait for another process's lock: async code runs writes through :meth:`SqliteBase.off_loop`, on a
thread of their own, so no request waits for them.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from ..errors import StoreError
from .records import ApiKey
from .schema import MIGRATIONS

# A write waits this long for another process's lock (the CLI's transactions are tiny) before
# failing with STORE_UNAVAILABLE; reads never wait in WAL mode.
BUSY_TIMEOUT_MS = 250


P = ParamSpec("P")
T = TypeVar("T")


def _connect(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc
    db.row_factory = sqlite3.Row
    # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits
    # (session history, a token just minted), not a committed key. It saves an fsync per
    # commit on the session start path.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys=ON")
    return db


class StoreConflict(StoreError):
    """A uniqueness constraint refused a write (callers retry with a fresh value)."""


class SqliteBase:
    """Thread-safe access to the SQLite file. Cheap calls; used directly from the event loop."""

    def __init__(self, path: Path | str) -> None:
        self._pg: Any = None
        if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
            from .postgres import Postgres

            self._pg = Postgres(path)
            self.path: Path | str = self._pg.display
            self._wdb: Any = self._pg.connect()
            self._db: Any = self._pg.connect()
        else:
            path = Path(path)
            self.path = path
            path.parent.mkdir(parents=True, exist_ok=True)
            self._wdb = _connect(path)  # writes, in transactions (the writer thread, or callers)
            try:
                self._wdb.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open the store at {path}: {exc}") from exc
            self._db = _connect(path)  # reads
        self._lock = threading.Lock()  # guards the reading connection
        self._wlock = threading.Lock()  # guards the writing connection
        self._writer: ThreadPoolExecutor | None = None
        # Key and token lookups are cached until the file changes: our own commits drop the
        # caches at once, and every lookup reads SQLite's data_version (~3 µs), which changes
        # when another process (the CLI) commits, so a revocation counts on the very next
        # request. ``_cache_gen`` keeps a lookup that raced a drop out of the cache.
        self._own_writes = 0
        self._key_cache: dict[str, ApiKey] = {}
        self._token_cache: dict[str, bool] = {}
        self._key_cache_stamp: tuple[int, int] | None = None
        self._cache_gen = 0
        self._migrate()

    async def off_loop(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a store call (a write) on the store's writer thread and await its result."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        call = functools.partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._writer, call)

    # -- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        if self._pg is not None:
            with self._wlock, self._pg.transaction(self._wdb) as db:
                yield db
            self._own_writes += 1
            self._drop_caches()
            return
        with self._wlock:
            try:
                self._wdb.execute("BEGIN IMMEDIATE")
                yield self._wdb
                self._wdb.execute("COMMIT")
                self._own_writes += 1
                self._drop_caches()
            except sqlite3.IntegrityError as exc:
                self._rollback()
                raise StoreConflict(f"store write refused: {exc}") from exc
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"store write failed: {exc}") from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        try:
            self._wdb.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # no transaction was open (BEGIN itself failed)

    def ping(self) -> None:
        """A write round trip (the health check): the file takes a transaction."""
        with self._tx() as db:
            db.execute("SELECT 1")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            if self._pg is not None:
                rows: list[Any] = self._pg.query(self._db, sql, args)
                return rows
            try:
                return list(self._db.execute(sql, args).fetchall())
            except sqlite3.Error as exc:
                raise StoreError(f"store query failed: {exc}") from exc

    def _migrate(self) -> None:
        if self._pg is not None:
            with self._tx() as db:
                self._pg.migrate(db, MIGRATIONS)
            return
        with self._tx() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={number}")

    @property
    def schema_version(self) -> int:
        if self._pg is not None:
            return int(self._query(self._pg.VERSION_QUERY)[0][0])
        return int(self._query("PRAGMA user_version")[0][0])

    def close(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        with self._wlock:
            self._wdb.close()
        with self._lock:
            self._db.close()

    def _drop_caches(self) -> None:
        self._cache_gen += 1
        self._key_cache.clear()
        self._token_cache.clear()

    def _refresh_cache(self) -> None:
        self.watch_changes()

    def watch_changes(self) -> bool:
        """Drop the lookup caches if the file changed since the last look; True if it did."""
        stamp = self.change_stamp()
        if stamp == self._key_cache_stamp:
            return False
        self._drop_caches()
        self._key_cache_stamp = stamp
        return True

    def change_stamp(self) -> tuple[int, int]:
        """Changes whenever this process or another one (the CLI) commits to the file."""
        if self._pg is not None:  # a counter every write transaction raises
            return int(self._query(self._pg.CHANGES_QUERY)[0][0]), self._own_writes
        return int(self._query("PRAGMA data_version")[0][0]), self._own_writes

    def get_key(self, key_id: str) -> ApiKey | None:
        rows = self._query("SELECT * FROM api_keys WHERE id = ?", (key_id,))
        return ApiKey.from_row(rows[0]) if rows else None
