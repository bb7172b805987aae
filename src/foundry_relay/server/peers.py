"""The link between the worker processes of one relay (``serve --workers N``): every worker
listens on a Unix socket in a private run directory and sends its peers length-prefixed JSON
messages. A message with ``rid`` expects an answer carrying ``re`` = that id; one without is a
notice. The link carries the cluster's directory and its forwarded requests
(:mod:`foundry_relay.server.cluster`); it knows nothing of either."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)

HEADER = struct.Struct(">I")
MAX_MESSAGE = 256 * 1024 * 1024  # a forwarded reply can carry an image
Handler = Callable[[int, dict[str, Any]], Awaitable[dict[str, Any] | None]]


class PeerGone(Exception):
    """The peer is not reachable (not started yet, stopped or dead)."""


def peer_path(run_dir: Path, index: int) -> Path:
    return run_dir / f"peer-{index}.sock"


async def _read(reader: asyncio.StreamReader) -> dict[str, Any]:
    (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
    if size > MAX_MESSAGE:
        raise ValueError(f"peer message of {size} bytes")
    message = orjson.loads(await reader.readexactly(size))
    if not isinstance(message, dict):
        raise ValueError("peer message is not an object")
    return message


def _frame(message: dict[str, Any]) -> bytes:
    body = orjson.dumps(message)
    return HEADER.pack(len(body)) + body


class _Outgoing:
    """This worker's connection to one peer: requests out, answers back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.task = asyncio.create_task(self._answers(reader), name="peer-answers")

    async def _answers(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                message = await _read(reader)
                waiter = self.waiting.pop(message.get("re", -1), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(message)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            self.writer.close()
            for waiter in self.waiting.values():
                if not waiter.done():
                    waiter.set_exception(PeerGone("the peer closed the link"))
            self.waiting.clear()

    @property
    def alive(self) -> bool:
        return not self.task.done()


class PeerLink:
    """One worker's end of the link. ``handler(sender, message)`` answers requests and notices
    from peers; ``on_peer_lost(index)`` runs when a peer's connection to this worker closes."""

    def __init__(
        self,
        *,
        index: int,
        count: int,
        run_dir: Path,
        handler: Handler,
        on_peer_lost: Callable[[int], None] | None = None,
    ) -> None:
        self.index = index
        self.count = count
        self.run_dir = run_dir
        self.handler = handler
        self.on_peer_lost = on_peer_lost
        self._ids = itertools.count(1)
        self._out: dict[int, _Outgoing] = {}
        self._connecting: dict[int, asyncio.Lock] = {}
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._incoming: set[asyncio.StreamWriter] = set()
        self._closing = False

    async def start(self) -> None:
        path = peer_path(self.run_dir, self.index)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, path=str(path))
        os.chmod(path, 0o600)

    async def close(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.close()
        for out in self._out.values():
            out.writer.close()
        for writer in list(self._incoming):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        # let the connection handlers see their ends and return before the loop stops
        pending = [o.task for o in self._out.values()] + list(self._tasks)
        if pending:
            await asyncio.wait(pending, timeout=1)
        for _ in range(3):
            await asyncio.sleep(0)

    # -- incoming: peers' requests and notices ------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender = -1
        write_lock = asyncio.Lock()
        self._incoming.add(writer)
        try:
            while True:
                message = await _read(reader)
                sender = int(message.get("from", -1))
                task = asyncio.create_task(self._answer(sender, message, writer, write_lock))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            self._incoming.discard(writer)
            writer.close()
            if sender >= 0 and self.on_peer_lost is not None and not self._closing:
                self.on_peer_lost(sender)

    async def _answer(
        self,
        sender: int,
        message: dict[str, Any],
        writer: asyncio.StreamWriter,
        write_lock: asyncio.Lock,
    ) -> None:
        rid = message.get("rid")
        try:
            answer = await self.handler(sender, message)
        except Exception:
            log.warning("peer message %r failed", message.get("op"), exc_info=True)
            answer = {"error": {"code": "INTERNAL", "message": "internal error"}}
        if rid is None:
            return
        reply = dict(answer or {})
        reply["re"] = rid
        with contextlib.suppress(ConnectionError):
            async with write_lock:
                writer.write(_frame(reply))
                await writer.drain()

    # -- outgoing ---------------------------------------------------------------------------

    async def _connection(self, to: int) -> _Outgoing:
        out = self._out.get(to)
        if out is not None and out.alive:
            return out
        lock = self._connecting.setdefault(to, asyncio.Lock())
        async with lock:
            out = self._out.get(to)
            if out is not None and out.alive:
                return out
            try:
                reader, writer = await asyncio.open_unix_connection(
                    str(peer_path(self.run_dir, to)), limit=2**20
                )
            except OSError as exc:
                raise PeerGone(f"worker {to} is not reachable") from exc
            out = self._out[to] = _Outgoing(reader, writer)
            return out

    async def request(self, to: int, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send ``message`` to worker ``to`` and wait for its answer."""
        out = await self._connection(to)
        rid = next(self._ids)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        out.waiting[rid] = waiter
        try:
            out.writer.write(_frame({**message, "rid": rid, "from": self.index}))
            async with asyncio.timeout(timeout):
                await out.writer.drain()
                return await waiter
        except ConnectionError as exc:
            raise PeerGone(f"worker {to} closed the link") from exc
        finally:
            out.waiting.pop(rid, None)

    async def tell(self, to: int, message: dict[str, Any]) -> bool:
        """A notice to worker ``to``; False if it is not reachable."""
        try:
            out = await self._connection(to)
            out.writer.write(_frame({**message, "from": self.index}))
            await out.writer.drain()
        except (PeerGone, ConnectionError):
            log.debug("notice %r to worker %d not delivered", message.get("op"), to)
            return False
        return True

    async def broadcast(self, message: dict[str, Any], *, skip: tuple[int, ...] = ()) -> None:
        """A notice to every other worker (not those in ``skip``)."""
        targets = [i for i in range(self.count) if i != self.index and i not in skip]
        await asyncio.gather(*(self.tell(i, message) for i in targets))
