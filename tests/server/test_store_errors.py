"""The store's failures reach callers as STORE_UNAVAILABLE, quickly, never as a raw SQLite error
or another component's code; reads go on while another process holds the write lock."""

from __future__ import annotations

import sqlite3

from ..conftest import RelayHandle


async def test_a_write_lock_held_elsewhere_is_503_and_reads_go_on(relay: RelayHandle) -> None:
    _, key = relay.new_key()
    other = sqlite3.connect(relay.settings.db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process (a CLI) holding the write lock
        async with relay.http(key) as http:
            assert (await http.get("/clients")).status_code == 200  # reads do not wait
            r = await http.post("/auth/connection-tokens")
            assert r.status_code == 503, r.text
            body = r.json()
            assert body["code"] == "STORE_UNAVAILABLE" and "locked" in body["error"]
        other.execute("ROLLBACK")
        async with relay.http(key) as http:
            assert (await http.post("/auth/connection-tokens")).status_code == 201
    finally:
        other.close()


async def test_a_waiting_write_does_not_hold_up_other_requests(relay: RelayHandle) -> None:
    """Writes wait for a lock on the store's own thread: the event loop keeps serving."""
    import asyncio

    _, key = relay.new_key()
    other = sqlite3.connect(relay.settings.db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        async with relay.http(key) as http:
            # Created first, so the write reaches the relay before the read.
            write = asyncio.create_task(http.post("/auth/connection-tokens"))
            listed = await http.get("/clients")
            assert listed.status_code == 200
            assert not write.done()  # still waiting for the lock, yet /clients was answered
            assert (await write).status_code == 503
    finally:
        other.execute("ROLLBACK")
        other.close()
